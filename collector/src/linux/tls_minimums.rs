//! TLS protocol minimums where configured: nginx `ssl_protocols`, Apache
//! `SSLProtocol`, OpenSSL's `MinProtocol`. Each is a `tls.<server>` setting
//! naming the file, so a reviewer sees where the minimum lives.

use crate::inventory::{InventoryCategory, InventoryItem};

/// Directives in one configuration file, by server kind (`nginx`, `apache`, `openssl`).
pub fn tls_minimums(kind: &str, file: &str, text: &str) -> Vec<InventoryItem> {
    let directive = match kind {
        "nginx" => "ssl_protocols",
        "apache" => "sslprotocol",
        _ => "minprotocol",
    };
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter_map(|line| {
            let (key, value) = line.split_once(|c: char| c.is_whitespace() || c == '=')?;
            let value = value.trim().trim_start_matches('=').trim_end_matches(';').trim();
            (key.trim().eq_ignore_ascii_case(directive)).then(|| value.to_string())
        })
        .filter(|value| !value.is_empty())
        .map(|value| {
            InventoryItem::new(InventoryCategory::Setting, format!("tls.{kind}"))
                .with_attr("value", value)
                .with_attr("file", file)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::tls_minimums;

    #[test]
    fn directives_of_each_server() {
        let nginx =
            tls_minimums("nginx", "/etc/nginx/nginx.conf", "http {\n  ssl_protocols TLSv1.2 TLSv1.3; # modern\n}\n");
        assert_eq!(nginx[0].attr_str("value"), Some("TLSv1.2 TLSv1.3"));
        let apache = tls_minimums("apache", "ssl.conf", "SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1\n");
        assert_eq!(apache[0].attr_str("value"), Some("all -SSLv3 -TLSv1 -TLSv1.1"));
        let openssl = tls_minimums(
            "openssl",
            "/etc/ssl/openssl.cnf",
            "[system_default_sect]\nMinProtocol = TLSv1.2\nCipherString = DEFAULT@SECLEVEL=2\n",
        );
        assert_eq!(openssl[0].attr_str("value"), Some("TLSv1.2"));
        assert!(tls_minimums("nginx", "x", "# ssl_protocols TLSv1;\n").is_empty());
    }
}
