//! `temper keygen`, `policy bundle`, `policy verify`, `policy fit`: signed
//! bundles for servers of the same role.

use crate::args::TrustArgs;
use crate::exit::{fail, BAD_BUNDLE, WOULD_BREAK};
use std::path::{Path, PathBuf};
use temper_learner::Profile;
use temper_policy::bundle::{self as bundles, VerifiedBundle};
use temper_policy::escape::comment_text;
use temper_policy::host_view::HostView;
use temper_policy::review::review_path_for;
use temper_policy::signing::{load_public_keys, PublicKey, SecretKey};
use temper_policy::Catalog;

/// Where a host keeps the keys it trusts when no --trusted-key is given.
fn default_trusted_keys() -> PathBuf {
    #[cfg(windows)]
    {
        let base =
            std::env::var_os("ProgramData").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
        base.join("Temper").join("trusted-keys")
    }
    #[cfg(not(windows))]
    {
        PathBuf::from("/etc/temper/trusted-keys")
    }
}

fn trusted(args: &TrustArgs) -> anyhow::Result<Vec<PublicKey>> {
    let files = if args.trusted_keys.is_empty() { vec![default_trusted_keys()] } else { args.trusted_keys.clone() };
    let mut keys = Vec::new();
    for file in &files {
        if args.trusted_keys.is_empty() && !file.exists() {
            return Err(fail(
                BAD_BUNDLE,
                format!("no trusted keys: pass --trusted-key FILE or list them in {}", file.display()),
            ));
        }
        keys.extend(load_public_keys(file)?);
    }
    Ok(keys)
}

pub fn keygen(out: &Path, name: Option<&str>) -> anyhow::Result<()> {
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| out.file_stem().and_then(|s| s.to_str()).unwrap_or("temper").to_string());
    // The name goes on one line of the .pub file and of every bundle's header.
    if name.trim().is_empty() || name.len() > 200 || name.chars().any(|c| c.is_control()) {
        return Err(fail(
            crate::exit::USAGE,
            format!("--name {name:?}: a key name is printable text on one line (at most 200 bytes)"),
        ));
    }
    let key = SecretKey::generate(&name)?;
    let public = key.save(out)?;
    println!(
        "secret key {} (keep it private), public key {} (id {})",
        out.display(),
        public.display(),
        key.public().id()
    );
    Ok(())
}

pub fn bundle(
    profile_path: &Path,
    policy_path: &Path,
    key_path: &Path,
    host: Option<&str>,
    review: Option<&Path>,
    stage: temper_policy::render::Stage,
    output: &Path,
) -> anyhow::Result<()> {
    let policy = super::load_policy(policy_path)?;
    let key = SecretKey::load(key_path)?;
    let host = match host {
        Some(h) => h.to_string(),
        None if policy.hosts.len() == 1 => policy.hosts[0].host.clone(),
        None => {
            let hosts: Vec<&str> = policy.hosts.iter().map(|h| h.host.as_str()).collect();
            return Err(fail(
                crate::exit::USAGE,
                format!("the policy has {} hosts ({}): choose one with --host", hosts.len(), hosts.join(", ")),
            ));
        }
    };
    let profile = Profile::open(profile_path)?;
    let record = profile.hosts()?.into_iter().find(|r| r.host == host).ok_or_else(|| {
        fail(
            crate::exit::BAD_INPUT,
            format!("no host {host} in {}: the role fingerprint comes from the profile", profile_path.display()),
        )
    })?;
    let view = HostView::load(&profile, record)?;
    let review_path = review.map(Path::to_path_buf).unwrap_or_else(|| review_path_for(policy_path));
    let review_text = match std::fs::read_to_string(&review_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && review.is_none() => None,
        Err(e) => return Err(anyhow::anyhow!("{}: {e}", review_path.display())),
    };
    let catalog = Catalog::embedded()?;
    let payload = bundles::payload_for(&policy, &host, &view, review_text, catalog.rules(), chrono::Utc::now(), stage)
        .map_err(|message| fail(crate::exit::RENDER_FAILED, message))?;
    bundles::write(output, &payload, &key)?;
    println!(
        "bundle {} ({} stage) for the role of {host}: {} decisions, {} artifact file(s){}, signed by {} ({})",
        output.display(),
        if payload.stage == temper_policy::render::Stage::Audit { "audit" } else { "enforcement" },
        payload.policy.decisions.len(),
        payload.artifacts.len(),
        if payload.review.is_some() { ", review file" } else { "" },
        key.public().id(),
        comment_text(&key.name)
    );
    Ok(())
}

pub(crate) fn open(file: &Path, trust: &TrustArgs) -> anyhow::Result<VerifiedBundle> {
    Ok(bundles::open(file, &trusted(trust)?)?)
}

pub fn verify(file: &Path, trust: &TrustArgs, json: bool) -> anyhow::Result<()> {
    let bundle = open(file, trust)?;
    let p = &bundle.payload;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "bundle": file.display().to_string(),
                "verified": true,
                "signer": { "id": bundle.signer.id(), "name": bundle.signer.name },
                "host": p.host,
                "stage": p.stage,
                "created": p.created,
                "decisions": p.policy.decisions.len(),
                "artifacts": p.artifacts.keys().collect::<Vec<_>>(),
                "review": p.review.is_some(),
                "fingerprint": p.fingerprint,
            })
        );
    } else {
        println!(
            "{}",
            comment_text(&format!(
                "verified: signed by {} ({}); role {} ({}), created {}, {} decisions, {} artifact file(s)",
                bundle.signer.id(),
                bundle.signer.name,
                p.host,
                p.fingerprint.os_version.as_deref().or(p.fingerprint.os.as_deref()).unwrap_or("unknown OS"),
                p.created.format("%Y-%m-%d %H:%M UTC"),
                p.policy.decisions.len(),
                p.artifacts.len()
            ))
        );
    }
    Ok(())
}

pub fn fit(profile_path: &Path, file: &Path, trust: &TrustArgs, host: Option<&str>, json: bool) -> anyhow::Result<()> {
    let bundle = open(file, trust)?;
    let profile = Profile::open(profile_path)?;
    let fits = temper_policy::fit::fit(&bundle.payload, &Catalog::embedded()?, &profile, host)?;
    if host.is_some() && fits.is_empty() {
        return Err(fail(
            crate::exit::BAD_INPUT,
            format!("no host {} in {}", host.unwrap_or_default(), profile_path.display()),
        ));
    }
    if json {
        println!(
            "{}",
            serde_json::json!({
                "bundle": file.display().to_string(),
                "role": bundle.payload.host,
                "hosts": fits.iter().map(|f| serde_json::json!({
                    "host": f.host, "fits": f.fits(), "differences": f.differences, "breaks": f.breaks,
                })).collect::<Vec<_>>(),
            })
        );
    } else {
        for f in &fits {
            let verdict = if f.fits() { "fits" } else { "does not fit" };
            println!("{}", comment_text(&format!("{} {verdict} the role of {}", f.host, bundle.payload.host)));
            for d in &f.differences {
                let kind = if d.disqualifies() { " (another kind of host)" } else { "" };
                println!(
                    "    {}",
                    comment_text(&format!("{}: {} here, {} in the role{kind}", d.what, d.target, d.role))
                );
            }
            for b in &f.breaks {
                let subject = b.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
                println!("    {}", comment_text(&format!("would break: {}{subject}: {}", b.rule, b.setting)));
                for usage in &b.usage {
                    println!("        {}", comment_text(&temper_policy::evaluate::summarise(usage)));
                }
            }
        }
    }
    let broken = fits.iter().filter(|f| !f.fits()).count();
    if broken > 0 {
        return Err(fail(
            WOULD_BREAK,
            format!("{broken} host(s) do not fit the role: another kind of host, or the bundle would break their observed use"),
        ));
    }
    Ok(())
}
