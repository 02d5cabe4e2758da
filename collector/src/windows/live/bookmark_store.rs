//! Event-log bookmarks kept as XML files in the state directory, one per
//! channel, so a restart resumes right after the last event handed over.

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub(crate) struct BookmarkStore {
    dir: PathBuf,
}

impl BookmarkStore {
    pub(crate) fn new(dir: &Path) -> Self {
        BookmarkStore { dir: dir.to_path_buf() }
    }

    /// `bookmark-Microsoft-Windows-SMBServer%4Audit.xml`: `/` becomes `%4`
    /// as in Windows' own log file names; other characters a file name
    /// cannot hold become `_`.
    pub(crate) fn path(&self, channel: &str) -> PathBuf {
        let mut name = String::from("bookmark-");
        for c in channel.chars() {
            match c {
                '/' => name.push_str("%4"),
                '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => name.push('_'),
                c => name.push(c),
            }
        }
        name.push_str(".xml");
        self.dir.join(name)
    }

    /// The saved bookmark, if any; an unreadable file starts the channel afresh.
    pub(crate) fn load(&self, channel: &str) -> Option<String> {
        let path = self.path(channel);
        match std::fs::read_to_string(&path) {
            Ok(xml) if !xml.trim().is_empty() => Some(xml),
            Ok(_) => None,
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!("cannot read bookmark {}: {e}; {channel} starts with new events", path.display());
                None
            }
        }
    }

    /// Written beside and renamed over, so a crash leaves the old or the new bookmark, never half of one.
    pub(crate) fn save(&self, channel: &str, xml: &str) -> io::Result<()> {
        let path = self.path(channel);
        let tmp = path.with_extension("xml.tmp");
        std::fs::write(&tmp, xml)?;
        std::fs::rename(&tmp, &path)
    }
}

/// The record a bookmark points at, for `channel`:
/// `<BookmarkList><Bookmark Channel='Security' RecordId='123' IsCurrent='true'/></BookmarkList>`.
pub(crate) fn record_id(xml: &str, channel: &str) -> Option<u64> {
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(element) | Event::Empty(element) if element.local_name().as_ref() == "Bookmark" => {
                let attribute = |name: &str| {
                    element
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == name)
                        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
                };
                if attribute("Channel").is_some_and(|c| c.eq_ignore_ascii_case(channel)) {
                    return attribute("RecordId")?.trim().parse().ok();
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_and_reads_record_ids() {
        let store = BookmarkStore::new(Path::new("state"));
        assert_eq!(
            store.path("Microsoft-Windows-SMBServer/Audit"),
            Path::new("state/bookmark-Microsoft-Windows-SMBServer%4Audit.xml")
        );
        let xml =
            "<BookmarkList>\r\n  <Bookmark Channel='Security' RecordId='4711' IsCurrent='true'/>\r\n</BookmarkList>";
        assert_eq!(record_id(xml, "Security"), Some(4711));
        assert_eq!(record_id(xml, "System"), None);
    }
}
