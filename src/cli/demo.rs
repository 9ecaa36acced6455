//! `revmine demo`: the whole pipeline on data bundled in the binary, so a
//! fresh machine sees revmine work with no setup: the sample histories become
//! real git repositories, are mined into pairs, and the pairs are gated with
//! the sample train and eval sets.

use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::mine::MineArgs;

use crate::cli::check::{check, stats};
use crate::cli::common::{DatasetOptions, Exit};
use revmine::error::Error;

/// The bundled histories: (repo name, script).
pub(crate) const HISTORIES: [(&str, &str); 2] = [
    ("drafts", include_str!("../../sample-repos/drafts.history")),
    ("notes", include_str!("../../sample-repos/notes.history")),
];

/// The bundled datasets: (file name, contents).
pub(crate) const DATASETS: [(&str, &str); 2] = [
    (
        "assistant_dataset_train.sample.jsonl",
        include_str!("../../sample-repos/datasets/assistant_dataset_train.sample.jsonl"),
    ),
    (
        "assistant_dataset_eval.sample.jsonl",
        include_str!("../../sample-repos/datasets/assistant_dataset_eval.sample.jsonl"),
    ),
];

/// Runs the demo in `dir` (a fresh temp dir, removed afterwards, when `None`).
pub(crate) fn run(
    dir: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    let temp;
    let dir_given = dir.is_some();
    let dir: PathBuf = match dir {
        Some(d) => {
            refuse_to_replace(d)?;
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
    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    if dir_given {
        writeln!(out, "revmine demo in {}\n", dir.display())
    } else {
        writeln!(
            out,
            "revmine demo in {} (a temp folder, removed at the end; --dir DIR keeps the repos and pairs)\n",
            dir.display()
        )
    }
    .map_err(Error::stdout)?;

    writeln!(out, "== 1. materialise the sample histories ==").map_err(Error::stdout)?;
    let mut repos = Vec::new();
    for (name, script) in HISTORIES {
        let repo = dir.join(name);
        if repo.exists() {
            std::fs::remove_dir_all(&repo).map_err(|source| Error::Write {
                path: repo.clone(),
                source,
            })?;
        }
        revmine::source::materialise::materialise(
            &format!("sample-repos/{name}.history"),
            script,
            &repo,
        )
        .map_err(|e| Error::Sample {
            message: e.to_string(),
        })?;
        writeln!(out, "{name}/ from sample-repos/{name}.history").map_err(Error::stdout)?;
        repos.push(PathBuf::from(name));
    }

    writeln!(
        out,
        "\n== 2. mine them: revmine mine drafts notes -o pairs.jsonl =="
    )
    .map_err(Error::stdout)?;
    let mine = MineArgs {
        repos,
        output: Some(PathBuf::from("pairs.jsonl")),
        cwd: dir.clone(),
        config: Some(PathBuf::from(DEFAULT_CONFIG_NAME)),
        ..MineArgs::default()
    };
    // The demo runs on the built-in defaults whatever config surrounds it.
    revmine::output::write_file(
        &dir.join(DEFAULT_CONFIG_NAME),
        revmine::config::DEFAULT_TOML.as_bytes(),
    )?;
    let mut summary = Vec::new();
    crate::cli::mine::mine(&mine, out, &mut summary)?;
    out.write_all(&summary).map_err(Error::stdout)?;
    if let Some(example) = first_pair(&dir.join("pairs.jsonl")) {
        writeln!(out, "\nan example pair:\n{example}").map_err(Error::stdout)?;
    }

    writeln!(
        out,
        "\n== 3. gate the pairs with the sample train and eval sets: revmine check =="
    )
    .map_err(Error::stdout)?;
    let mut files = vec![PathBuf::from("pairs.jsonl")];
    for (name, text) in DATASETS {
        revmine::output::write_file(&dir.join(name), text.as_bytes())?;
        files.push(PathBuf::from(name));
    }
    let opts = DatasetOptions {
        files,
        cwd: dir.clone(),
        config: Some(PathBuf::from(DEFAULT_CONFIG_NAME)),
        ..DatasetOptions::default()
    };
    let exit = check(&opts, out, err)?;
    writeln!(
        out,
        "\n== 4. the plan's measured state of the mined pairs: revmine stats pairs.jsonl ==\n"
    )
    .map_err(Error::stdout)?;
    let stats_opts = DatasetOptions {
        files: vec![PathBuf::from("pairs.jsonl")],
        ..opts
    };
    stats(&stats_opts, out, err)?;
    Ok(exit)
}

const DEFAULT_CONFIG_NAME: &str = "revmine.toml";

/// Everything the demo writes in its folder, by name.
fn written_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = HISTORIES.iter().map(|(name, _)| *name).collect();
    names.extend([DEFAULT_CONFIG_NAME, "pairs.jsonl"]);
    names.extend(DATASETS.iter().map(|(name, _)| *name));
    names
}

/// A `--dir` the user named may hold their own work (`drafts` is the very
/// name the README gives the user's drafts): the demo writes there only if
/// nothing it would replace exists, and otherwise changes nothing.
fn refuse_to_replace(dir: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Read {
                path: dir.to_path_buf(),
                source,
            });
        }
        Ok(_) if !dir.is_dir() => {
            return Err(Error::Usage {
                flag: "--dir",
                message: format!(
                    "`{}` is not a folder; name an empty or new folder",
                    dir.display()
                ),
            });
        }
        Ok(_) => {}
    }
    let taken: Vec<&str> = written_names()
        .into_iter()
        .filter(|name| std::fs::symlink_metadata(dir.join(name)).is_ok())
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    Err(Error::Usage {
        flag: "--dir",
        message: format!(
            "`{}` already holds {}, which the demo would replace; nothing was changed. \
             Name an empty or new folder (e.g. --dir {})",
            dir.display(),
            taken
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            dir.join("revmine-demo").display()
        ),
    })
}

/// The first mined pair, shown as a person would read it.
fn first_pair(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(text.lines().next()?).ok()?;
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let meta = &v["meta"];
    Some(format!(
        "  prompt:   {}\n  rejected: {}\n  chosen:   {}\n  from:     {} {} ({} -> {})",
        field("prompt").replace('\n', "\n            "),
        field("rejected").replace('\n', "\n            "),
        field("chosen").replace('\n', "\n            "),
        meta["repo"].as_str().unwrap_or_default(),
        meta["path"].as_str().unwrap_or_default(),
        meta["rejected_commit"]
            .as_str()
            .unwrap_or_default()
            .get(..8)
            .unwrap_or_default(),
        meta["chosen_commit"]
            .as_str()
            .unwrap_or_default()
            .get(..8)
            .unwrap_or_default(),
    ))
}

#[derive(Debug, Args)]
pub(crate) struct Flags {
    /// Keep the materialised sample files in DIR, an empty or new folder (default: a temp
    /// dir, removed afterwards). A DIR holding drafts/, notes/, revmine.toml, pairs.jsonl or
    /// the sample datasets is refused: the demo never replaces files.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}

pub(crate) fn command(
    flags: &Flags,
    _config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    Ok(run(flags.dir.as_deref(), out, err)?)
}
