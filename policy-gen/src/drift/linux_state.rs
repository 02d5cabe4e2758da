//! The live configuration of this Linux host, read with the tools an
//! administrator would use. `root` points at another tree for smb.conf and
//! sshd_config (the effective values still come from the real tools).

use super::LiveState;
use std::path::PathBuf;
use std::process::Command;

pub struct LinuxState {
    /// sshd_config to test (default /etc/ssh/sshd_config).
    pub sshd_config: PathBuf,
    /// smb.conf to resolve (default /etc/samba/smb.conf).
    pub smb_conf: PathBuf,
    sshd_cache: Option<Result<Vec<(String, String)>, String>>,
}

impl LinuxState {
    pub fn new(sshd_config: Option<PathBuf>, smb_conf: Option<PathBuf>) -> LinuxState {
        LinuxState {
            sshd_config: sshd_config.unwrap_or_else(|| "/etc/ssh/sshd_config".into()),
            smb_conf: smb_conf.unwrap_or_else(|| "/etc/samba/smb.conf".into()),
            sshd_cache: None,
        }
    }
}

fn run(program: &str, args: &[&str]) -> Result<std::process::Output, String> {
    Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))
}

fn stdout_of(program: &str, args: &[&str]) -> Result<String, String> {
    let out = run(program, args)?;
    if !out.status.success() {
        return Err(format!("{program} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl LiveState for LinuxState {
    fn sshd(&mut self) -> Result<Vec<(String, String)>, String> {
        if self.sshd_cache.is_none() {
            let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"]
                .into_iter()
                .find(|p| std::path::Path::new(p).exists())
                .unwrap_or("sshd");
            let config = self.sshd_config.display().to_string();
            let result = stdout_of(sshd, &["-T", "-f", &config]).map(|text| {
                text.lines()
                    .filter_map(|l| l.split_once(' '))
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
                    .collect()
            });
            self.sshd_cache = Some(result);
        }
        self.sshd_cache.clone().expect("filled above")
    }

    fn samba(&mut self, section: &str, parameter: &str) -> Result<String, String> {
        let conf = self.smb_conf.display().to_string();
        stdout_of("testparm", &["-s", "--section-name", section, "--parameter-name", parameter, &conf])
            .map(|s| s.trim().to_string())
    }

    fn nft_table(&mut self, family: &str, name: &str) -> Result<Option<String>, String> {
        let out = run("nft", &["list", "table", family, name])?;
        if out.status.success() {
            return Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()));
        }
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No such file or directory") {
            Ok(None)
        } else {
            Err(format!("nft list table {family} {name}: {}", err.trim()))
        }
    }

    fn module_loaded(&mut self, name: &str) -> Result<bool, String> {
        let modules = std::fs::read_to_string("/proc/modules").map_err(|e| format!("/proc/modules: {e}"))?;
        let wanted = name.replace('-', "_");
        Ok(modules.lines().any(|l| l.split_whitespace().next() == Some(wanted.as_str())))
    }

    fn module_load_command(&mut self, name: &str) -> Result<String, String> {
        // The install lines of modprobe.d(5), read directly: kmod's `modprobe -n -v`
        // is not installed everywhere. Later directories do not override earlier
        // files of another name, so the first install line for the module wins.
        let wanted = name.replace('-', "_");
        for dir in [
            "/etc/modprobe.d",
            "/run/modprobe.d",
            "/usr/local/lib/modprobe.d",
            "/lib/modprobe.d",
            "/usr/lib/modprobe.d",
        ] {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut files: Vec<PathBuf> =
                entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "conf")).collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                for line in text.lines() {
                    let mut words = line.split_whitespace();
                    if words.next() == Some("install")
                        && words.next().map(|m| m.replace('-', "_")) == Some(wanted.clone())
                    {
                        return Ok(format!("install {}", words.collect::<Vec<_>>().join(" ")));
                    }
                }
            }
        }
        Ok(format!("no install line for {name} in modprobe.d: modprobe would load it"))
    }

    fn sysctl(&mut self, key: &str) -> Result<String, String> {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        std::fs::read_to_string(&path).map(|v| v.trim().to_string()).map_err(|e| format!("{path}: {e}"))
    }

    fn account_expiry(&mut self, name: &str) -> Result<Option<String>, String> {
        let shadow = std::fs::read_to_string("/etc/shadow").map_err(|e| format!("/etc/shadow: {e}"))?;
        Ok(shadow.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| f.first() == Some(&name)).map(|f| {
            let expiry = f.get(7).copied().unwrap_or("");
            if expiry.is_empty() {
                "never".to_string()
            } else {
                expiry.to_string()
            }
        }))
    }

    fn unit_state(&mut self, unit: &str) -> Result<Option<String>, String> {
        let out = run("systemctl", &["is-enabled", unit])?;
        let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let err = String::from_utf8_lossy(&out.stderr);
        if state.is_empty()
            && (err.contains("No such file") || err.contains("not found") || err.contains("does not exist"))
        {
            return Ok(None);
        }
        if state.is_empty() {
            return Err(format!("systemctl is-enabled {unit}: {}", err.trim()));
        }
        Ok(Some(state))
    }
}
