//! `temper rules`.

use crate::table;
use temper_policy::{catalog_doc, Catalog};

pub fn run(markdown: bool, json: bool) -> anyhow::Result<()> {
    let catalog = Catalog::embedded()?;
    if markdown {
        print!("{}", catalog_doc::markdown(&catalog));
    } else if json {
        println!("{}", serde_json::to_string_pretty(catalog.rules())?);
    } else {
        let rows: Vec<Vec<String>> = catalog
            .rules()
            .iter()
            .map(|r| vec![r.id.clone(), r.platform.as_str().into(), r.shape.name().into(), r.title.clone()])
            .collect();
        print!("{}", table::render(&["rule", "platform", "shape", "title"], &rows));
    }
    Ok(())
}
