//! Event-log bookmarks kept as XML files in the state directory, one per
//! channel, so a restart resumes right after the last event handed over.
//! The live layer renders and applies them; storing and reading them is
//! plain files and XML.

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BookmarkStore {
    dir: PathBuf,
}

impl BookmarkStore {
    pub fn new(dir: &Path) -> Self {
        BookmarkStore { dir: dir.to_path_buf() }
    }

    /// `bookmark-Microsoft-Windows-SMBServer%4Audit.xml`: `/` becomes `%4`
    /// as in Windows' own log file names; other characters a file name
    /// cannot hold become `_`.
    pub fn path(&self, channel: &str) -> PathBuf {
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
    pub fn load(&self, channel: &str) -> Option<String> {
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
    pub fn save(&self, channel: &str, xml: &str) -> io::Result<()> {
        crate::atomic_file::write_atomically(&self.path(channel), xml.as_bytes())
    }
}

/// The record a bookmark points at, for `channel`:
/// `<BookmarkList><Bookmark Channel='Security' RecordId='123' IsCurrent='true'/></BookmarkList>`.
pub fn record_id(xml: &str, channel: &str) -> Option<u64> {
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

    const SAVED: &str =
        "<BookmarkList>\r\n  <Bookmark Channel='Security' RecordId='4711' IsCurrent='true'/>\r\n</BookmarkList>";

    #[test]
    fn file_names_keep_the_channel_readable() {
        let store = BookmarkStore::new(Path::new("state"));
        assert_eq!(
            store.path("Microsoft-Windows-SMBServer/Audit"),
            Path::new("state/bookmark-Microsoft-Windows-SMBServer%4Audit.xml")
        );
        assert_eq!(store.path("Windows PowerShell"), Path::new("state/bookmark-Windows PowerShell.xml"));
        assert_eq!(store.path(r#"a\b:c*d?e"f<g>h|i"#), Path::new("state/bookmark-a_b_c_d_e_f_g_h_i.xml"));
    }

    #[test]
    fn record_ids_are_read_for_the_channel_asked() {
        assert_eq!(record_id(SAVED, "Security"), Some(4711));
        assert_eq!(record_id(SAVED, "security"), Some(4711));
        assert_eq!(record_id(SAVED, "System"), None);
        let two = "<BookmarkList><Bookmark Channel='System' RecordId='5'/>\
                   <Bookmark Channel='Security' RecordId=' 12 '></Bookmark></BookmarkList>";
        assert_eq!(record_id(two, "Security"), Some(12));
        assert_eq!(record_id(two, "System"), Some(5));
    }

    #[test]
    fn unreadable_bookmarks_have_no_record_id() {
        assert_eq!(record_id("<BookmarkList><Bookmark Channel='Security'/></BookmarkList>", "Security"), None);
        assert_eq!(record_id("<Bookmark Channel='Security' RecordId='-1'/>", "Security"), None);
        assert_eq!(record_id("<BookmarkList><Bookmark Channel='Security' RecordId=", "Security"), None);
        assert_eq!(record_id("", "Security"), None);
    }

    #[test]
    fn saved_bookmarks_load_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = BookmarkStore::new(dir.path());
        assert_eq!(store.load("Security"), None);
        store.save("Security", SAVED).unwrap();
        assert_eq!(store.load("Security").as_deref(), Some(SAVED));
        assert!(!store.path("Security").with_extension("xml.tmp").exists());
        store.save("System", " \n").unwrap();
        assert_eq!(store.load("System"), None);
    }
}
