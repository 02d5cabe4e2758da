//! Command-line arguments (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "temper",
    version,
    about = "Learn what a server really uses, then harden it without breaking that",
    after_help = "Exit codes:\n  0  success\n  1  unexpected error\n  2  usage error, or a command this build lacks\n  3  bad input file (named, with its line, offset, chunk or link type)\n  4  profile missing, empty, damaged or too new\n  5  bad policy or review file, or a policy naming a rule this temper lacks\n  6  artifacts could not be written\n  7  cannot observe here (not elevated or privileged, or no kernel BTF)\n  8  the policy would break observed use, or the host is another kind than the bundle's role\n  9  bundle refused (untrusted signer, modified, not a bundle), or a bad key file\n 10  check: the live configuration differs from the policy\n 11  apply: install.sh refused the bundle (a validation failed); every file was restored"
)]
pub struct Cli {
    /// The profile database [default: temper.db in the working directory;
    /// `observe` and `apply`: the observer's, /var/lib/temper/profile.db on
    /// Linux, %ProgramData%\Temper\profile.db on Windows].
    #[arg(long, global = true, env = "TEMPER_PROFILE")]
    pub profile: Option<PathBuf>,
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Aggregate observations from files into the profile.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print the observations decoded from files as JSONL on stdout (no profile is touched).
    Decode {
        /// Files to decode: observation JSONL, packet captures or `.evtx` logs (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Count and report malformed JSONL lines instead of stopping at the first.
        #[arg(long)]
        skip_invalid: bool,
        #[command(flatten)]
        hosts: HostOptions,
    },
    /// Inspect or merge profiles.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Generate policies from the profile.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// List what needs a reviewer in a policy, or record a verdict in its review file.
    Review(ReviewArgs),
    /// Compare this host's live configuration with what a policy enforces on it; exits 10 on drift.
    Check {
        policy: PathBuf,
        /// The policy's host this machine is [default: the policy's only host].
        #[arg(value_parser = host_name, long)]
        host: Option<String>,
        /// Linux: the sshd_config `sshd -T` tests [default: /etc/ssh/sshd_config].
        #[arg(long)]
        sshd_config: Option<PathBuf>,
        /// Linux: the smb.conf `testparm` resolves [default: /etc/samba/smb.conf].
        #[arg(long)]
        smb_conf: Option<PathBuf>,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Apply a signed bundle on this host: verify it, check that the host fits its role,
    /// install its artifacts (Linux: backups, validation by the real tools, a rollback
    /// script); with --confirm-within, roll back by itself unless confirmed in time.
    Apply(ApplyArgs),
    /// Create an ed25519 key pair for signing bundles: PATH (secret, mode 0600) and PATH.pub.
    Keygen {
        /// Where to write the secret key (PATH.pub gets the public one).
        #[arg(short = 'o', long)]
        out: PathBuf,
        /// A name for the key, shown when a bundle is verified [default: the file name].
        #[arg(long)]
        name: Option<String>,
    },
    /// Write the exception report of a policy.
    Report {
        policy: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        /// Output file (standard output when absent).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Write the enforcement artifacts of a policy, one directory per host.
    Render {
        policy: PathBuf,
        /// The directory to write into (one subdirectory per host).
        #[arg(short = 'o', long)]
        out: PathBuf,
        /// `audit`: only what logs (audit settings, the firewall logging what it would drop), before enforcing.
        #[arg(long, value_enum, default_value_t = StageArg::Enforce)]
        stage: StageArg,
    },
    /// List the rule catalog.
    Rules {
        /// The catalog as Markdown (docs/rules.md is this output).
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Watch this server live and learn into the profile (Windows: ETW, the event log,
    /// packets; Linux: eBPF program starts, TCP connections, handshakes and UDP flows, sshd/sudo logons, inventory).
    #[cfg(any(windows, target_os = "linux"))]
    Observe(ObserveArgs),
    /// Run the whole pipeline on built-in demo data for two servers.
    Demo {
        /// Where to write observations, profile, policy, report and artifacts.
        #[arg(short = 'o', long, default_value = "temper-demo")]
        out: PathBuf,
        /// Seed of the demo generator.
        #[arg(long, default_value_t = temper_collector::demo::DEMO_SEED)]
        seed: u64,
    },
}

/// `temper observe`: in the foreground, as a service, or its status.
#[cfg(any(windows, target_os = "linux"))]
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ObserveArgs {
    #[cfg(windows)]
    #[command(subcommand)]
    pub action: Option<ObserveAction>,
    #[command(flatten)]
    pub options: ObserveOptions,
    /// Print the running observer's status (from its status file) and exit.
    #[arg(long)]
    pub status: bool,
    /// With --status: as JSON.
    #[arg(long, requires = "status")]
    pub json: bool,
    /// Run under the Windows service manager (what `observe install` registers).
    #[cfg(windows)]
    #[arg(long, hide = true, conflicts_with = "status")]
    pub service: bool,
}

#[cfg(windows)]
#[derive(Subcommand, Debug)]
pub enum ObserveAction {
    /// Register (and start) the `temper` Windows service that observes with these options.
    Install(ObserveOptions),
    /// Stop and remove the `temper` Windows service; the profile stays.
    Uninstall,
}

#[cfg(any(windows, target_os = "linux"))]
#[derive(Args, Debug, Clone)]
pub struct ObserveOptions {
    /// Stop after this long (30s, 15m, 12h, 21d); until stopped when absent.
    #[arg(long, value_parser = crate::duration::parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Write the profile this often.
    #[arg(long, value_parser = crate::duration::parse_duration, default_value = "30s")]
    pub flush: std::time::Duration,
    /// Bookmarks and the service log [default: %ProgramData%\Temper\state].
    #[cfg(windows)]
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Do not capture packets (no TLS, SSH, Kerberos, NTLM or RDP handshakes from the wire).
    #[cfg(windows)]
    #[arg(long)]
    pub no_packets: bool,
    /// Size of each eBPF ring buffer in bytes (rounded up to a power of two).
    #[cfg(target_os = "linux")]
    #[arg(long, default_value_t = 4 << 20)]
    pub ring_buffer: u32,
    /// Read sshd and sudo logons from this log file [default: the journal, else /var/log/auth.log or /var/log/secure].
    #[cfg(target_os = "linux")]
    #[arg(long)]
    pub auth_log: Option<PathBuf>,
    /// Read Samba `full_audit` share use from this log file [default: the journal, `smbd_audit`].
    #[cfg(target_os = "linux")]
    #[arg(long)]
    pub samba_audit_log: Option<PathBuf>,
    /// Watch handshakes and UDP flows on this interface (repeatable) [default: every interface that is up with an address].
    #[cfg(target_os = "linux")]
    #[arg(long = "interface", value_name = "IF")]
    pub interfaces: Vec<String>,
    /// Attach the packet classifier through a clsact qdisc even where the kernel has TCX (6.6+).
    #[cfg(target_os = "linux")]
    #[arg(long)]
    pub clsact: bool,
    /// Do not watch packets (no handshakes, no UDP flows).
    #[cfg(target_os = "linux")]
    #[arg(long, conflicts_with_all = ["interfaces", "clsact"])]
    pub no_packets: bool,
}

/// Which host observations from packet captures (and `.evtx` files) belong to.
#[derive(Args, Debug, Clone, Default)]
pub struct HostOptions {
    /// Every observation belongs to this host (default: the server side of each flow, by address).
    #[arg(value_parser = host_name, long, conflicts_with = "host_map")]
    pub host: Option<String>,
    /// A file of `ADDRESS NAME` lines naming the servers in captures.
    #[arg(long)]
    pub host_map: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Observations in their JSONL text form (`-` for standard input).
    Jsonl {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Count and report malformed lines instead of refusing the import.
        #[arg(long)]
        skip_invalid: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Windows event logs (`.evtx` files, or directories searched for them).
    Evtx {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Every observation belongs to this host (default: each event's `Computer`, lower-cased).
        #[arg(value_parser = host_name, long)]
        host: Option<String>,
        /// Parser threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Packet captures (pcap, pcapng, gzip-compressed too): protocol versions actually negotiated.
    Pcap {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        hosts: HostOptions,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProfileCommand {
    /// Summarise the profile: hosts, facts, coverage.
    Show {
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
        /// Also list every fact.
        #[arg(long)]
        facts: bool,
    },
    /// Write the profile's tables (hosts, facts, fact_days, evidence, coverage,
    /// coverage_loss, inventory) as Parquet files for your own analysis.
    Export {
        /// The directory to write `<table>.parquet` into (created if missing).
        #[arg(long, value_name = "DIR")]
        parquet: PathBuf,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Merge profiles row by row into a new one (hosts stay apart).
    Merge {
        #[arg(required = true, num_args = 1..)]
        inputs: Vec<PathBuf>,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// The strictest policy that breaks nothing observed, with every exception.
    Generate(GenerateArgs),
    /// Replay every fact of the profile against a policy: what would it block or break?
    /// Exits 8 when something would break.
    Simulate {
        policy: PathBuf,
        /// Replay every host of the profile against this host's decisions (a new server of the same role).
        #[arg(value_parser = host_name, long = "as-host")]
        as_host: Option<String>,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Pack one host's policy, review file, artifacts and role fingerprint (from the
    /// profile) into one file signed with ed25519.
    Bundle {
        policy: PathBuf,
        /// The secret key (`temper keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The host whose policy ships [default: the policy's only host].
        #[arg(value_parser = host_name, long)]
        host: Option<String>,
        /// The review file [default: beside the policy].
        #[arg(long)]
        review: Option<PathBuf>,
        /// `audit`: ship the audit stage (only what logs) instead of enforcement.
        #[arg(long, value_enum, default_value_t = StageArg::Enforce)]
        stage: StageArg,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Check a bundle's signature against the keys this host trusts. Exits 9 when refused.
    Verify {
        bundle: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Whether the servers in the profile fit a bundle's role: what they are or have that
    /// the role was not, and what of their observed use the bundle would break. Exits 8 when
    /// something would break.
    Fit {
        bundle: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
        /// Only this host of the profile.
        #[arg(value_parser = host_name, long)]
        host: Option<String>,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Replay candidate baselines against the profile: which rule of each would break what.
    Compare {
        /// The learned policy (the decisions baselines are compared on).
        policy: PathBuf,
        /// cis-l1, cis-l2 or strict (repeatable) [default: all three].
        #[arg(long = "baseline")]
        baselines: Vec<String>,
        /// Another policy file as a candidate (repeatable).
        #[arg(long = "candidate")]
        candidates: Vec<PathBuf>,
        /// Write the strictest combination that breaks nothing observed to this file.
        #[arg(long = "pick-strictest", value_name = "OUT")]
        pick_strictest: Option<PathBuf>,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// What changed between two versions of a policy, decision by decision.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Print the result as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The bundle (`temper policy bundle`).
    #[arg(required_unless_present_any = ["confirm", "watchdog"])]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Install into this tree instead of / (files only: no validation against the live system, no reloads).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// List every change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Roll back by itself unless `temper apply --confirm` runs within this time (30s, 5m).
    #[arg(long, value_parser = crate::duration::parse_duration)]
    pub confirm_within: Option<std::time::Duration>,
    /// Keep the pending apply: its watchdog will not roll it back.
    #[arg(long, conflicts_with_all = ["bundle", "dry_run", "confirm_within"])]
    pub confirm: bool,
    /// Apply without checking that this host fits the bundle's role (no profile of it yet).
    #[arg(long)]
    pub no_fit: bool,
    /// The host in the profile that is this machine, whose fit is checked [default: this
    /// machine's name, as `temper observe` records it].
    #[arg(value_parser = host_name, long, conflicts_with = "no_fit")]
    pub host: Option<String>,
    /// Where staged bundles and the pending apply live [default: /var/lib/temper, or ROOT/var/lib/temper with --root].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// (internal) Run as the watchdog of the pending apply made at this time.
    #[arg(long, hide = true)]
    pub watchdog: Option<String>,
}

#[derive(Args, Debug)]
pub struct TrustArgs {
    /// A trusted public key or trusted-keys file (repeatable) [default: the trusted-keys
    /// file in the configuration directory: /etc/temper/trusted-keys, or
    /// %ProgramData%\Temper\trusted-keys on Windows].
    #[arg(long = "trusted-key")]
    pub trusted_keys: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    pub policy: PathBuf,
    /// The review file [default: beside the policy, policy.review.toml for policy.json].
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// List as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub action: Option<ReviewAction>,
}

#[derive(Subcommand, Debug)]
pub enum ReviewAction {
    /// Keep the exception: the setting stays held back (until --expires).
    Accept(VerdictArgs),
    /// Enforce the setting anyway, whatever uses it.
    Reject(VerdictArgs),
}

#[derive(Args, Debug)]
pub struct VerdictArgs {
    /// The rule of the decision.
    pub rule: String,
    /// The host of the decision.
    #[arg(value_parser = host_name, long)]
    pub host: String,
    /// The decision's subject, as listed (`share scans`, `port 8443`).
    #[arg(long)]
    pub subject: Option<String>,
    /// Who decides.
    #[arg(long)]
    pub reviewer: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// Last day the verdict holds (YYYY-MM-DD); required to accept.
    #[arg(long)]
    pub expires: Option<chrono::NaiveDate>,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Coverage a category needs before an absence is trusted.
    #[arg(long, default_value_t = 14.0)]
    pub min_days: f64,
    /// Share of covered days that may lose events before a category is insufficient.
    #[arg(long, default_value_t = 0.10)]
    pub max_lossy_share: f64,
    /// A break-glass account always kept in user allowlists (repeatable).
    #[arg(long = "keep-account")]
    pub keep_accounts: Vec<String>,
    /// Only this host (repeatable; all hosts by default).
    #[arg(value_parser = host_name, long = "host")]
    pub hosts: Vec<String>,
    #[arg(short, long, default_value = "policy.json")]
    pub output: PathBuf,
    /// Reviewers' verdicts to honour [default: beside the output, policy.review.toml for policy.json].
    #[arg(long)]
    pub review: Option<PathBuf>,
    /// Tagged peers: `ADDRESS[/PREFIX] TAG` lines; use only by `scanner` peers never holds a setting back.
    #[arg(long)]
    pub peers: Option<PathBuf>,
    /// Decide absences in categories whose learning has not converged (otherwise `insufficient`).
    #[arg(long)]
    pub accept_unconverged: bool,
    /// Flag exceptions whose evidence was last seen this many days before the end of the window.
    #[arg(long, default_value_t = temper_policy::review::DEFAULT_STALE_DAYS)]
    pub stale_days: i64,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum StageArg {
    Enforce,
    Audit,
}

impl StageArg {
    pub fn stage(self) -> temper_policy::render::Stage {
        match self {
            StageArg::Enforce => temper_policy::render::Stage::Enforce,
            StageArg::Audit => temper_policy::render::Stage::Audit,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ReportFormat {
    Markdown,
    /// One self-contained file with charts (inline SVG, no script, nothing fetched).
    Html,
}

/// Host names on the command line are normalised as every stored one is (case does not matter).
fn host_name(raw: &str) -> Result<String, String> {
    match temper_collector::host_name::normalize_host(raw) {
        name if name.is_empty() => Err("a host name cannot be empty".into()),
        name => Ok(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn every_command(command: &clap::Command, out: &mut Vec<clap::Command>) {
        out.push(command.clone());
        for sub in command.get_subcommands() {
            every_command(sub, out);
        }
    }

    #[test]
    fn every_json_flag_says_what_it_does_and_every_exit_code_is_listed() {
        let cli = Cli::command();
        let mut commands = Vec::new();
        every_command(&cli, &mut commands);
        for command in &commands {
            for arg in command.get_arguments().filter(|a| a.get_id() == "json") {
                assert!(arg.get_help().is_some(), "`{} --json` has no help", command.get_name());
            }
            if let Some(out) = command.get_arguments().find(|a| a.get_id() == "out" || a.get_id() == "output") {
                assert_eq!(
                    out.get_short(),
                    Some('o'),
                    "`{}` writes a file or directory: it takes -o",
                    command.get_name()
                );
            }
        }
        let help = cli.get_after_help().expect("exit codes after the help").to_string();
        for code in 0..=11 {
            assert!(
                help.lines().any(|l| l.trim_start().starts_with(&format!("{code} "))),
                "exit code {code} is not listed"
            );
        }
    }
}
