//! `revmine build`: train and eval sets from many sources, then judged.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use revmine::config::Config;
use revmine::dataset::schema::Schema;
use revmine::error::Error;

use crate::cli::check::check;
use crate::cli::common::*;

#[derive(Debug, Args)]
pub(crate) struct Flags {
    /// Source JSONL files (default: [build] sources in the config).
    #[arg(value_name = "FILE")]
    pub(crate) sources: Vec<PathBuf>,
    /// Write the train set here (default: [build] train).
    #[arg(long, value_name = "FILE")]
    pub(crate) train: Option<PathBuf>,
    /// Write the eval set here (default: [build] eval).
    #[arg(long, value_name = "FILE")]
    pub(crate) eval: Option<PathBuf>,
    /// Seed for every choice (default: [build] seed).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Print {"build": report, "check": check's report} as one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn command(
    flags: &Flags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let args = BuildArgs {
        sources: flags.sources.clone(),
        train: flags.train.clone(),
        eval: flags.eval.clone(),
        seed: flags.seed,
        json: flags.json,
        config: config.clone(),
        cwd: std::env::current_dir()?,
    };
    Ok(build(&args, out, err)?)
}

/// What `revmine build` was asked for; unset values come from `[build]`.
#[derive(Debug, Clone)]
pub(crate) struct BuildArgs {
    pub(crate) sources: Vec<PathBuf>,
    pub(crate) train: Option<PathBuf>,
    pub(crate) eval: Option<PathBuf>,
    pub(crate) seed: Option<u64>,
    pub(crate) json: bool,
    pub(crate) config: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
}

/// `revmine build`: assemble, write both files, then judge them with `check`.
pub(crate) fn build(
    args: &BuildArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    use revmine::assemble::build::{BuildOptions, Source};
    no_stdin(
        &args.sources,
        "FILE",
        "build names every source in its report so the same files and seed rebuild the same \
         sets; standard input cannot be named again, so save it to a file first",
    )?;
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let schema = match config.schema_path() {
        Some(path) => Schema::from_file(&path)?,
        None => Schema::builtin()?,
    };
    // Paths from the config are relative to its file, those typed to the shell.
    let config_dir = config
        .origin
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| args.cwd.clone(), |p| args.cwd.join(p));
    let sources = if args.sources.is_empty() {
        let mut found = Vec::new();
        for s in &config.build.sources {
            for path in expand(&config_dir, &s.path)? {
                found.push(Source {
                    path,
                    kind: s.source,
                    split: s.split,
                });
            }
        }
        found
    } else {
        args.sources
            .iter()
            .map(|p| Source {
                path: args.cwd.join(p),
                kind: None,
                split: revmine::assemble::build::Split::Any,
            })
            .collect()
    };
    let pick = |typed: &Option<PathBuf>, configured: &Path| match typed {
        // `-`: standard output, written through once the set is checked.
        Some(p) if p.as_os_str() == "-" => p.clone(),
        Some(p) => args.cwd.join(p),
        None => config_dir.join(configured),
    };
    let opts = BuildOptions {
        sources,
        train: pick(&args.train, &config.build.train),
        eval: pick(&args.eval, &config.build.eval),
        seed: args.seed.unwrap_or(config.build.seed),
    };
    let inputs: Vec<&Path> = opts.sources.iter().map(|s| s.path.as_path()).collect();
    revmine::output::refuse_overlap(&args.cwd, &inputs, &[&opts.train, &opts.eval])?;
    // The sets are checked after they are written, so they must be read
    // back: a FIFO or device output is built and checked in a scratch
    // folder (under the same file names), then written through.
    let through = |p: &Path| -> Result<bool, Error> {
        Ok(!matches!(
            revmine::output::resolve(p)?,
            revmine::output::Dest::Replace(_)
        ))
    };
    let scratch = if through(&opts.train)? || through(&opts.eval)? {
        Some(tempfile::tempdir().map_err(|source| Error::Write {
            path: opts.train.clone(),
            source,
        })?)
    } else {
        None
    };
    // Where the sets are built and checked, and their names there.
    let (check_cwd, check_train, check_eval) = match &scratch {
        Some(dir) => {
            let name = |p: &Path, other: &str| {
                PathBuf::from(
                    p.file_name()
                        .map_or_else(|| other.into(), |n| n.to_os_string()),
                )
            };
            let train = name(&opts.train, "train");
            let mut eval = name(&opts.eval, "eval");
            if eval == train {
                eval = PathBuf::from(format!("eval.{}", eval.display()));
            }
            (dir.path().to_path_buf(), train, eval)
        }
        None => (args.cwd.clone(), opts.train.clone(), opts.eval.clone()),
    };
    let build_opts = BuildOptions {
        train: check_cwd.join(&check_train),
        eval: check_cwd.join(&check_eval),
        ..opts.clone()
    };
    let mut report =
        revmine::assemble::build::build(&build_opts, &config.build_settings(), &schema)?;
    let check_opts = DatasetOptions {
        files: Vec::new(),
        train: vec![check_train],
        eval: vec![check_eval],
        // In the scratch folder, the config found from here still applies.
        config: match &scratch {
            Some(_) => config.origin.clone(),
            None => args.config.clone(),
        },
        schema: None,
        json: args.json,
        cwd: check_cwd,
        staged: false,
    };
    let mut checked = Vec::new();
    let exit = check(&check_opts, &mut checked, err)?;
    if scratch.is_some() {
        for (built, dest) in [
            (&build_opts.train, &opts.train),
            (&build_opts.eval, &opts.eval),
        ] {
            // A scratch file that cannot be read back is named by its output.
            revmine::output::copy_to(built, dest).map_err(|e| match e {
                Error::Read { source, .. } => Error::Read {
                    path: dest.clone(),
                    source,
                },
                e => e,
            })?;
        }
        report.train = opts.train.clone();
        report.eval = opts.eval.clone();
    }
    // A set written to standard output keeps it for records: the report
    // goes to stderr then.
    let out: &mut dyn Write = if revmine::output::is_stdout(&args.cwd, &opts.train)
        || revmine::output::is_stdout(&args.cwd, &opts.eval)
    {
        err
    } else {
        out
    };
    if args.json {
        let check_json: serde_json::Value =
            serde_json::from_slice(&checked).unwrap_or(serde_json::Value::Null);
        let v = json!({ "build": report, "check": check_json });
        writeln!(out, "{v}").map_err(Error::stdout)?;
    } else {
        write!(out, "{}", render_build(&report)).map_err(Error::stdout)?;
        writeln!(out).map_err(Error::stdout)?;
        out.write_all(&checked).map_err(Error::stdout)?;
    }
    Ok(exit)
}

/// A config source path, or every file its glob matches (sorted), relative
/// to `base`; a glob that matches nothing is an error, not an empty source.
fn expand(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, Error> {
    if !pattern.contains(['*', '?', '[', '{']) {
        return Ok(vec![base.join(pattern)]);
    }
    let glob = globset::Glob::new(pattern)
        .map_err(|e| Error::Input {
            message: format!("build.sources: bad glob `{pattern}`: {e}"),
        })?
        .compile_matcher();
    let found: Vec<PathBuf> = walk_files(base, |p| glob.is_match(p))?
        .into_iter()
        .map(|p| base.join(p))
        .collect();
    if found.is_empty() {
        return Err(Error::Input {
            message: format!(
                "build.sources: `{pattern}` matches no file under {}",
                base.display()
            ),
        });
    }
    Ok(found)
}

/// The human report of `build`: one row per type and source.
pub(crate) fn render_build(r: &revmine::assemble::build::BuildReport) -> String {
    use revmine::assemble::build::Drop;
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "build (seed {}): {} sources -> {} train, {} eval records",
        r.seed,
        r.sources.len(),
        r.train_records,
        r.eval_records
    );
    let _ = write!(
        s,
        "{:<22} {:>8} {:>8} {:>6}",
        "type/source", "in", "train", "eval"
    );
    for d in Drop::ALL {
        let _ = write!(s, " {:>14}", d.as_str());
    }
    s.push('\n');
    for (key, t) in &r.tallies {
        let _ = write!(s, "{key:<22} {:>8} {:>8} {:>6}", t.input, t.train, t.eval);
        for d in Drop::ALL {
            let _ = write!(s, " {:>14}", t.dropped.get(&d).copied().unwrap_or(0));
        }
        s.push('\n');
    }
    let tags: Vec<String> = r
        .eval_tags
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    let _ = writeln!(
        s,
        "train real share {:.3}; eval hard cases: {}",
        r.train_real_share,
        tags.join(", ")
    );
    let _ = writeln!(s, "wrote {} and {}", r.train.display(), r.eval.display());
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    s
}
