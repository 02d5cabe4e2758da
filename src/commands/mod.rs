//! One file per command; `run` dispatches.

mod capture;
mod decode;
mod demo;
mod evtx;
mod import;
mod policy;
mod profile;
mod render;
mod report;
mod rules;

use crate::args::{Cli, Command, ImportCommand, PolicyCommand, ProfileCommand};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Import(ImportCommand::Jsonl { files, skip_invalid, json }) => {
            import::jsonl(&cli.profile, &files, skip_invalid, json)
        }
        Command::Import(ImportCommand::Evtx { paths, host, threads, json }) => {
            evtx::import(&cli.profile, &paths, host, threads, json)
        }
        Command::Import(ImportCommand::Pcap { files, hosts, json }) => import::pcap(&cli.profile, &files, &hosts, json),
        Command::Decode { files, skip_invalid, hosts } => decode::run(&files, skip_invalid, &hosts),
        Command::Profile(ProfileCommand::Show { json, facts }) => profile::show(&cli.profile, json, facts),
        Command::Profile(ProfileCommand::Merge { inputs, output }) => profile::merge(&inputs, &output),
        Command::Policy(PolicyCommand::Generate(args)) => policy::generate(&cli.profile, &args),
        Command::Report { policy, format, output } => report::run(&policy, format, output.as_deref()),
        Command::Render { policy, out } => render::run(&policy, &out),
        Command::Rules { markdown, json } => rules::run(markdown, json),
        Command::Demo { out, seed } => demo::run(&out, seed),
    }
}
