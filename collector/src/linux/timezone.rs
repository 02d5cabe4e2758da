//! The host's IANA time zone: `/etc/timezone`, else the `/etc/localtime`
//! link target (`/usr/share/zoneinfo/Europe/Berlin`).

pub fn timezone(etc_timezone: Option<&str>, localtime_link: Option<&str>) -> Option<String> {
    if let Some(zone) = etc_timezone.map(str::trim).filter(|z| !z.is_empty()) {
        return Some(zone.to_string());
    }
    let link = localtime_link?;
    link.split_once("zoneinfo/").map(|(_, zone)| zone.trim_start_matches("posix/").to_string())
}

#[cfg(test)]
mod tests {
    use super::timezone;

    #[test]
    fn file_then_link() {
        assert_eq!(timezone(Some("Europe/Berlin\n"), None).as_deref(), Some("Europe/Berlin"));
        assert_eq!(timezone(None, Some("/usr/share/zoneinfo/America/New_York")).as_deref(), Some("America/New_York"));
        assert_eq!(timezone(Some(""), Some("../usr/share/zoneinfo/posix/Etc/UTC")).as_deref(), Some("Etc/UTC"));
        assert_eq!(timezone(None, None), None);
    }
}
