//! docs/rules.md is generated from the catalog (`temper rules --markdown`),
//! and a test keeps the committed file in step with the TOML.

use crate::catalog::Catalog;
use crate::escape::markdown_text as md;
use crate::rule::ShapeSpec;
use std::fmt::Write;

pub fn markdown(catalog: &Catalog) -> String {
    let mut out = String::from(
        "# Rule catalog\n\n<!-- Generated from policy-gen/rules/*.toml by `temper rules --markdown`; a test checks it. -->\n\n",
    );
    writeln!(
        out,
        "{} rules. Shapes and decision states are explained in [policy-format.md](policy-format.md).\n",
        catalog.rules().len()
    )
    .unwrap();
    writeln!(out, "| Rule | Platform | Shape | Setting | Scope |").unwrap();
    writeln!(out, "|---|---|---|---|---|").unwrap();
    for r in catalog.rules() {
        writeln!(
            out,
            "| [{}](#{}) | {} | {} | {} = {} | {:?} |",
            r.id,
            r.id,
            r.platform.as_str(),
            r.shape.name(),
            md(&r.setting.name),
            md(&r.setting.value),
            r.scope
        )
        .unwrap();
    }
    for r in catalog.rules() {
        writeln!(out, "\n## {}\n", r.id).unwrap();
        writeln!(out, "**{}** ({}, `{}`)\n", md(&r.title), r.platform.as_str(), r.shape.name()).unwrap();
        writeln!(out, "- Why: {}", md(&r.rationale)).unwrap();
        writeln!(out, "- Would break: {}", md(&r.breaks)).unwrap();
        if r.categories.is_empty() {
            writeln!(out, "- Needs coverage of: nothing (it relies on no absence)").unwrap();
        } else {
            writeln!(out, "- Needs coverage of: {}", r.categories.join(", ")).unwrap();
        }
        match &r.shape {
            ShapeSpec::MinVersion { protocol, target, ceiling, per_port, ignore, .. } => {
                writeln!(out, "- Decides: the lowest {protocol} version observed{}, at least {target} to enforce, at most {ceiling}{}", if *per_port { " per service port" } else { "" }, if ignore.is_empty() { String::new() } else { format!(" (ignoring {})", ignore.join(", ")) }).unwrap();
            }
            ShapeSpec::RemoveUnused { inventory, candidates, .. } => {
                if candidates.is_empty() {
                    let noun = inventory.map(|i| i.as_str()).unwrap_or("item");
                    writeln!(out, "- Decides: each {noun} in the inventory that was never used").unwrap();
                } else {
                    let names: Vec<String> = candidates
                        .iter()
                        .map(|c| match &c.cis {
                            Some(cis) => format!("{} (CIS {cis})", c.name),
                            None => c.name.clone(),
                        })
                        .collect();
                    writeln!(out, "- Decides: each of {} never used", names.join(", ")).unwrap();
                }
            }
            ShapeSpec::Baseline => {
                writeln!(out, "- Decides: nothing observable depends on it, so it is enforced wherever it applies")
                    .unwrap();
            }
            ShapeSpec::NarrowGrants { protocol } => {
                writeln!(out, "- Decides: for each used {} share, a proposal (the users seen; read-only unless writes were seen), always for review", protocol.as_str()).unwrap();
            }
            _ => {}
        }
        for (name, value) in r.references.ids() {
            if let Some(v) = value {
                writeln!(out, "- {name}: {}", md(v)).unwrap();
            }
        }
        if let Some(none) = &r.references.none {
            writeln!(out, "- References: {}", md(none)).unwrap();
        }
    }
    out
}
