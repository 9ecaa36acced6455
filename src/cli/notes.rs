//! `revmine notes`: planning and status notes into chat records.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use revmine::config::Config;
use revmine::error::Error;

use crate::cli::common::*;

#[derive(Debug, Args)]
pub(crate) struct Flags {
    /// Note files, folders or git repositories.
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Write the records here (JSONL, replaced atomically); default standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Read a repository's notes at this revision instead of HEAD.
    #[arg(long, value_name = "REV")]
    pub(crate) rev: Option<String>,
    /// Prior turns in each record's input (1-3; default notes.turns).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub(crate) turns: Option<u8>,
    /// For repositories, also "what changed" exchanges from each note's revisions.
    #[arg(long)]
    pub(crate) history: bool,
    /// Print the summary as JSON on stdout (needs --output).
    #[arg(long, requires = "output")]
    pub(crate) json: bool,
}

pub(crate) fn command(
    flags: &Flags,
    config: &Option<PathBuf>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let args = NotesArgs {
        paths: flags.paths.clone(),
        output: stdout_dash(&flags.output),
        config: config.clone(),
        cwd: std::env::current_dir()?,
        rev: flags.rev.clone(),
        turns: flags.turns.map(usize::from),
        history: flags.history,
        json: flags.json,
        globs: Vec::new(),
    };
    Ok(notes(&args, out, err)?)
}

/// Options of `revmine notes` beyond the config.
#[derive(Debug, Clone, Default)]
pub(crate) struct NotesArgs {
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) output: Option<PathBuf>,
    pub(crate) config: Option<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) rev: Option<String>,
    pub(crate) turns: Option<usize>,
    /// Also "what changed" exchanges from each repository's history of its notes.
    pub(crate) history: bool,
    pub(crate) json: bool,
    /// Which files are notes, in place of `[notes] paths` when not empty
    /// (a `[[source]]`'s `globs`).
    pub(crate) globs: Vec<String>,
}

/// What `notes` read: its records (JSONL lines, in order), its counts, and
/// where each note it read lives (a note with no section still counts: its
/// earlier records are out of date).
#[derive(Debug, Default)]
pub(crate) struct NotesRead {
    pub(crate) lines: Vec<String>,
    pub(crate) summary: revmine::convert::notes::NotesSummary,
    pub(crate) notes: Vec<revmine::source::git::Location>,
    /// The files on disk those notes are (for a repository read at a
    /// revision, the work-tree file at the same path), which no output may
    /// be; relative to the command's folder, as the user named them.
    pub(crate) files: Vec<PathBuf>,
}

/// Reads the notes `args` names into records, writing nothing.
pub(crate) fn read_notes(args: &NotesArgs) -> Result<NotesRead, Error> {
    use revmine::convert::notes::NotesOptions;
    use revmine::source::git::{locate, slashed};
    let config = Config::load(args.config.as_deref(), &args.cwd)?;
    let n = &config.notes;
    let mut opts = NotesOptions {
        turns: args.turns.unwrap_or(n.turns),
        secrets: config.redactor(),
        ..NotesOptions::default()
    };
    let mut rules = Vec::new();
    for r in &n.rules {
        rules.push(
            NotesOptions::rule(&r.heading, &r.question).map_err(|e| Error::Usage {
                flag: "notes.rules",
                message: e.to_string(),
            })?,
        );
    }
    rules.append(&mut opts.rules);
    opts.rules = rules;
    let globs = {
        let mut b = globset::GlobSetBuilder::new();
        let patterns = if args.globs.is_empty() {
            &n.paths
        } else {
            &args.globs
        };
        for g in patterns {
            b.add(globset::Glob::new(g).map_err(|e| Error::Usage {
                flag: "notes.paths",
                message: e.to_string(),
            })?);
        }
        b.build().map_err(|e| Error::Usage {
            flag: "notes.paths",
            message: e.to_string(),
        })?
    };
    let keep =
        |p: &str| globs.is_match(p) || Path::new(p).file_name().is_some_and(|f| globs.is_match(f));
    let mut read = NotesRead::default();
    let mut unreadable = 0u64;
    stdin_at_most_once(&args.paths, "PATH")?;
    for given in &args.paths {
        // --rev reads a repository's notes as a commit holds them: a folder
        // git cannot open would otherwise be read as it is on disk.
        if let Some(rev) = &args.rev {
            let path = args.cwd.join(given);
            if given.as_os_str() == "-" || !path.is_dir() || !revmine::source::git::is_repo(&path) {
                if path.is_dir()
                    && let Err(e @ revmine::source::git::GitError::Sha256 { .. }) =
                        revmine::source::git::GitRepo::open(&path)
                {
                    return Err(Error::Git(e));
                }
                return Err(Error::Usage {
                    flag: "--rev",
                    message: format!(
                        "`{}` is not a git repository's top folder, so it has no revision `{rev}`; \
                         drop --rev to read the files as they are, or name the repository",
                        given.display()
                    ),
                });
            }
        }
        if given.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map_err(
                |source| Error::Read {
                    path: given.clone(),
                    source,
                },
            )?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Usage {
                flag: "PATH",
                message: "standard input is not UTF-8 text".into(),
            })?;
            read.lines.extend(revmine::convert::notes::convert(
                &text,
                "",
                STDIN_LABEL,
                &opts,
                &mut read.summary,
            ));
            continue;
        }
        let path = args.cwd.join(given);
        let read_err = |source| Error::Read {
            path: given.clone(),
            source,
        };
        // Ids and provenance name the repository or folder and the path
        // inside it, never `given` as typed.
        let at = locate(&path);
        // (where, text) of each note this argument names.
        let mut notes: Vec<(revmine::source::git::Location, String)> = Vec::new();
        if args.history && path.is_dir() && revmine::source::git::is_repo(&path) {
            read.lines.extend(revmine::convert::notes::history(
                &path,
                &at,
                &keep,
                config.mine.max_file_bytes,
                opts.secrets.as_deref(),
                &mut read.summary,
            )?);
        }
        if path.is_dir() && revmine::source::git::is_repo(&path) {
            for (file, text) in revmine::source::git::files_at(
                &path,
                args.rev.as_deref(),
                &keep,
                config.mine.max_file_bytes,
            )? {
                read.files.push(given.join(&file));
                match text {
                    Ok(t) => notes.push((at.join(&file), t)),
                    Err(_) => unreadable += 1,
                }
            }
        } else if path.is_dir() {
            let files = walk_files(&path, |p| p.to_str().is_some_and(&keep))?;
            for rel in files {
                let f = path.join(&rel);
                read.files.push(given.join(&rel));
                match std::fs::read(&f).map(String::from_utf8) {
                    Ok(Ok(t)) => notes.push((at.join(&slashed(&rel)), t)),
                    Ok(Err(_)) => unreadable += 1,
                    Err(e) => {
                        return Err(Error::Read {
                            path: f.clone(),
                            source: e,
                        });
                    }
                }
            }
        } else {
            let bytes = std::fs::read(&path).map_err(read_err)?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Usage {
                flag: "PATH",
                message: format!("`{}` is not UTF-8 text", given.display()),
            })?;
            notes.push((at, text));
            read.files.push(given.clone());
        }
        for (note, text) in notes {
            read.lines.extend(revmine::convert::notes::convert(
                &text,
                &note.repo,
                &note.path,
                &opts,
                &mut read.summary,
            ));
            read.notes.push(note);
        }
    }
    if unreadable > 0 {
        read.summary.skipped.insert("unreadable_file", unreadable);
    }
    Ok(read)
}

/// `revmine notes`: planning and status notes (files, folders, or a repo at a
/// revision) become one conversation per note, written atomically.
pub(crate) fn notes(
    args: &NotesArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    refuse_overlap(&args.cwd, &args.paths, args.output.as_deref())?;
    let NotesRead {
        lines,
        summary,
        files,
        ..
    } = read_notes(args)?;
    // A folder's notes are known only once it is walked; nothing is written yet.
    refuse_overlap(&args.cwd, &files, args.output.as_deref())?;
    let target = write_jsonl(
        lines.iter().map(String::as_str),
        args.output.as_deref(),
        &args.cwd,
        out,
    )?;
    if args.json {
        writeln!(out, "{}", json!({ "output": target, "summary": summary }))
            .map_err(Error::stdout)?;
    } else {
        let mut text = format!(
            "{} read, {} sections, wrote {} to {target}\n",
            count(summary.notes as usize, "note"),
            summary.sections,
            count(summary.records as usize, "record")
        );
        if !summary.redacted.is_empty() {
            text.push_str(&format!(
                "  redacted: {}\n",
                render_counts(&summary.redacted)
            ));
        }
        for (reason, n) in &summary.skipped {
            text.push_str(&format!("  skipped {reason}: {n}\n"));
        }
        err.write_all(text.as_bytes()).ok();
    }
    Ok(Exit::Ok)
}
