//! `temper apply`: a verified bundle onto this host, after checking that the
//! host fits the role. On Linux the bundle's install.sh does the work
//! (backups, the real validators, reloads, a rollback script); with
//! `--confirm-within` a detached watchdog runs the rollback unless
//! `temper apply --confirm` arrives in time. On Windows the apply script is
//! staged for an administrator to run with -WhatIf first.

use crate::args::ApplyArgs;
use crate::exit::{fail, BAD_INPUT, WOULD_BREAK};
use std::path::{Path, PathBuf};
use temper_learner::Profile;
use temper_policy::apply as applying;
use temper_policy::escape::comment_text;
use temper_policy::Catalog;

fn state_dir(args: &ApplyArgs) -> PathBuf {
    if let Some(dir) = &args.state_dir {
        return dir.clone();
    }
    match &args.root {
        Some(root) => root.join("var/lib/temper"),
        None => default_state_dir(),
    }
}

#[cfg(any(windows, target_os = "linux"))]
fn default_state_dir() -> PathBuf {
    super::observe_settings::temper_dir()
}

#[cfg(not(any(windows, target_os = "linux")))]
fn default_state_dir() -> PathBuf {
    PathBuf::from("temper-state")
}

pub fn run(profile: Option<PathBuf>, args: &ApplyArgs) -> anyhow::Result<()> {
    let state = state_dir(args);
    if args.confirm {
        return match applying::confirm(&state).map_err(|e| fail(BAD_INPUT, e))? {
            Some(p) => {
                println!(
                    "confirmed: the apply of {} at {} stays",
                    comment_text(&p.bundle),
                    p.applied.format("%H:%M:%S")
                );
                Ok(())
            }
            None => Err(fail(BAD_INPUT, format!("no apply waits for confirmation in {}", state.display()))),
        };
    }
    if let Some(applied) = &args.watchdog {
        return watchdog(&state, applied);
    }
    let bundle_path = args.bundle.as_deref().expect("clap requires the bundle");
    let bundle = super::bundle::open(bundle_path, &args.trust)?;
    let payload = &bundle.payload;
    println!(
        "{}",
        comment_text(&format!(
            "verified: signed by {} ({}), role {}",
            bundle.signer.id(),
            bundle.signer.name,
            payload.host
        ))
    );

    if args.no_fit {
        println!("fit not checked (--no-fit)");
    } else {
        let profile_path = profile.unwrap_or_else(|| default_state_dir().join("profile.db"));
        if !profile_path.exists() {
            return Err(fail(
                crate::exit::BAD_PROFILE,
                format!(
                    "no profile of this host at {} to check its fit: observe it first, pass --profile, or --no-fit",
                    profile_path.display()
                ),
            ));
        }
        let target = Profile::open(&profile_path)?;
        // Only this machine: a profile may hold its peers too, and their fit is not this apply's.
        let host = args.host.clone().unwrap_or_else(temper_collector::this_host::this_host);
        let fits = temper_policy::fit::fit(payload, &Catalog::embedded()?, &target, Some(&host))?;
        let Some(fit) = fits.first() else {
            return Err(fail(
                BAD_INPUT,
                comment_text(&format!(
                    "the profile at {} has no host {host} to check the fit of: observe this host into it, pass --host, or --no-fit",
                    profile_path.display()
                )),
            ));
        };
        if !fit.fits() {
            for d in fit.disqualifying() {
                println!(
                    "{}",
                    comment_text(&format!(
                        "{host} is not the role's kind: {} {} (the role: {})",
                        d.what, d.target, d.role
                    ))
                );
            }
            for b in &fit.breaks {
                println!("{}", comment_text(&format!("would break on {host}: {} {}", b.rule, b.setting)));
            }
            return Err(fail(
                WOULD_BREAK,
                "this host does not fit the bundle's role: nothing was changed (see `temper policy fit`)",
            ));
        }
        println!("{}", comment_text(&format!("{host} fits the role (profile {})", profile_path.display())));
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
    // A dry run changes nothing on disk: it stages in a scratch directory it removes.
    let staging = if args.dry_run {
        std::env::temp_dir().join(format!("temper-dry-run-{}-{stamp}", std::process::id()))
    } else {
        state.join("apply").join(&stamp)
    };
    let result = applying::extract(payload, &staging)
        .map_err(|e| fail(BAD_INPUT, e))
        .and_then(|()| install(args, &staging, &state, bundle_path, &payload.host));
    if args.dry_run {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

#[cfg(unix)]
fn install(args: &ApplyArgs, staging: &Path, state: &Path, bundle: &Path, host: &str) -> anyhow::Result<()> {
    use crate::exit::APPLY_REFUSED;
    use temper_policy::render::install_result;
    let script = staging.join("install.sh");
    if !script.exists() {
        return Err(fail(BAD_INPUT, format!("the bundle for {host} has no install.sh: it is not a Linux role")));
    }
    let mut command = std::process::Command::new("sh");
    command.arg(&script);
    if args.dry_run {
        command.arg("--dry-run");
    }
    if let Some(root) = &args.root {
        command.env("TEMPER_ROOT", root);
    }
    let result_file = staging.join("install-result");
    command.env(install_result::RESULT_ENV, &result_file);
    let out = command.output().map_err(|e| fail(BAD_INPUT, format!("sh {}: {e}", script.display())))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(fail(APPLY_REFUSED, "install.sh refused the bundle; every file it had replaced was restored"));
    }
    if args.dry_run {
        return Ok(());
    }
    let rollback = install_result::read(&result_file).map_err(|e| fail(BAD_INPUT, e))?.rollback;
    let Some(within) = args.confirm_within else {
        println!("applied; to undo: sh {}", rollback.display());
        return Ok(());
    };
    let applied = chrono::Utc::now();
    let deadline = applied + chrono::Duration::from_std(within).unwrap_or_default();
    applying::write_pending(
        state,
        &applying::Pending {
            bundle: bundle.display().to_string(),
            host: host.to_string(),
            applied,
            deadline,
            rollback: rollback.clone(),
        },
    )
    .map_err(|e| fail(BAD_INPUT, e))?;
    spawn_watchdog(state, &applied.to_rfc3339())?;
    println!(
        "applied; confirm with `temper apply --confirm{}` before {} or it rolls back by itself",
        args.state_dir.as_ref().map(|d| format!(" --state-dir {}", d.display())).unwrap_or_default(),
        deadline.format("%H:%M:%S UTC")
    );
    Ok(())
}

/// The watchdog outlives this process and the SSH session: its own session, no terminal.
#[cfg(unix)]
fn spawn_watchdog(state: &Path, applied: &str) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()?;
    let mut command = std::process::Command::new(exe);
    command
        .args(["apply", "--watchdog", applied, "--state-dir"])
        .arg(state)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn().map_err(|e| fail(BAD_INPUT, format!("could not start the rollback watchdog: {e}")))?;
    Ok(())
}

#[cfg(not(unix))]
fn install(args: &ApplyArgs, staging: &Path, _state: &Path, _bundle: &Path, host: &str) -> anyhow::Result<()> {
    if args.confirm_within.is_some() || args.root.is_some() {
        return Err(fail(
            BAD_INPUT,
            "--confirm-within and --root are for Linux; on Windows run apply.ps1 -WhatIf, then apply.ps1",
        ));
    }
    let script = staging.join("apply.ps1");
    if !script.exists() {
        return Err(fail(BAD_INPUT, format!("the bundle for {host} has no apply.ps1: it is not a Windows role")));
    }
    println!("staged in {}; in an elevated PowerShell run:", staging.display());
    println!("  {} -WhatIf   # lists every change", script.display());
    println!("  {}           # applies them and writes a rollback script", script.display());
    Ok(())
}

/// Waits for the deadline, then rolls back unless the apply was confirmed.
fn watchdog(state: &Path, applied: &str) -> anyhow::Result<()> {
    let applied = chrono::DateTime::parse_from_rfc3339(applied)
        .map_err(|e| fail(BAD_INPUT, format!("--watchdog {applied}: {e}")))?
        .with_timezone(&chrono::Utc);
    let log = |line: &str| {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(state.join("apply.log")) {
            let _ = writeln!(f, "{} {line}", chrono::Utc::now().to_rfc3339());
        }
    };
    loop {
        let Some(pending) = applying::read_pending(state).map_err(|e| fail(BAD_INPUT, e))? else { return Ok(()) };
        if pending.applied != applied {
            return Ok(());
        }
        let left = pending.deadline - chrono::Utc::now();
        if left <= chrono::Duration::zero() {
            break;
        }
        // Wake at least once a second: a confirmation ends the wait early.
        std::thread::sleep(left.to_std().unwrap_or_default().min(std::time::Duration::from_secs(1)));
    }
    let Some(pending) = applying::take_expired(state, applied).map_err(|e| fail(BAD_INPUT, e))? else { return Ok(()) };
    let status = std::process::Command::new("sh").arg(&pending.rollback).status();
    match status {
        Ok(s) if s.success() => log(&format!(
            "not confirmed by {}: rolled back with {}",
            pending.deadline.to_rfc3339(),
            pending.rollback.display()
        )),
        Ok(s) => log(&format!("not confirmed: rollback {} failed ({s})", pending.rollback.display())),
        Err(e) => log(&format!("not confirmed: rollback {} could not run: {e}", pending.rollback.display())),
    }
    Ok(())
}
