//! `revmine demo`: the whole pipeline on data bundled in the binary, so a
//! fresh machine sees revmine work with no setup. Until mining lands it runs
//! the gates on the bundled sample train and eval sets.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::app::{self, DatasetOptions, Exit};
use crate::error::Error;

/// The bundled datasets: (file name, contents).
pub const DATASETS: [(&str, &str); 2] = [
    (
        "assistant_dataset_train.sample.jsonl",
        include_str!("../sample-repos/datasets/assistant_dataset_train.sample.jsonl"),
    ),
    (
        "assistant_dataset_eval.sample.jsonl",
        include_str!("../sample-repos/datasets/assistant_dataset_eval.sample.jsonl"),
    ),
];

/// Materialises the samples under `dir` (a fresh temp dir when `None`) and gates them.
pub fn run(dir: Option<&Path>, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let temp;
    let dir: PathBuf = match dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|source| Error::Write {
                path: d.to_path_buf(),
                source,
            })?;
            d.to_path_buf()
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("revmine-demo-")
                .tempdir()
                .map_err(|source| Error::Write {
                    path: std::env::temp_dir(),
                    source,
                })?;
            temp.path().to_path_buf()
        }
    };
    let mut files = Vec::new();
    for (name, text) in DATASETS {
        crate::write::atomic_write(&dir.join(name), text.as_bytes())?;
        files.push(PathBuf::from(name));
    }
    let io = |e: std::io::Error| Error::Write {
        path: "<stdout>".into(),
        source: e,
    };
    writeln!(
        out,
        "revmine demo: gating the bundled sample datasets in {}\n",
        dir.display()
    )
    .map_err(io)?;
    let opts = DatasetOptions {
        files: files.clone(),
        cwd: dir.clone(),
        ..DatasetOptions::default()
    };
    let exit = app::check(&opts, out, err)?;
    writeln!(out, "\n== stats ==\n").map_err(io)?;
    let stats_opts = DatasetOptions {
        files: files[..1].to_vec(),
        ..opts
    };
    app::stats(&stats_opts, out, err)?;
    Ok(exit)
}
