//! Every subcommand and flag. clap stops here: `run` turns what the user
//! typed into the library's plain options.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use revmine::app::{self, DatasetOptions, Exit};

const ABOUT: &str = "Turns the git history of notes and drafts into conversational training data, \
and gates the dataset on every commit.";

const EXIT_CODES: &str = "Exit codes: 0 success, 1 a gate or validation failed, 2 usage or input error, \
75 (run) another run holds a source's lock.";

#[derive(Debug, Parser)]
#[command(name = "revmine", version, about = ABOUT, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    /// Config file (default: the nearest revmine.toml above the working directory, else built-in defaults).
    #[arg(long, global = true, env = "REVMINE_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the pipeline on the bundled sample data and print the report.
    #[command(after_help = "Examples:\n  revmine demo\n  revmine demo --dir /tmp/revmine-demo")]
    Demo {
        /// Keep the materialised sample files in DIR, an empty or new folder (default: a temp
        /// dir, removed afterwards). A DIR holding drafts/, notes/, revmine.toml, pairs.jsonl or
        /// the sample datasets is refused: the demo never replaces files.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Mine revision history into preference pairs (earlier = rejected, revised = chosen).
    #[command(after_help = "Examples:\n  revmine mine ~/notes -o pairs.jsonl\n  \
        revmine mine drafts/ notes/ -o pairs.jsonl --since 2026-01-01 --exclude-author 'bot'\n  \
        revmine mine rfcs/ --history branches --path 'text/*.md' -o rfc-pairs.jsonl\n  \
        revmine mine . --pairs final --diff -o pairs.jsonl --json\n\n\
        The summary (stderr; with --json one object on stdout) counts commits walked, files, versions,\n\
        units, pairs written and every skip reason. The output file is replaced atomically, and only\n\
        when every repo was mined.")]
    Mine(MineCliArgs),
    /// Turn planning and status notes into user-assistant chat records, one conversation per note.
    #[command(
        after_help = "Examples:\n  revmine notes plans/q4.md -o chat.jsonl\n  revmine notes ~/notes -o chat.jsonl --turns 2\n  \
        revmine notes ~/notes-repo --rev main -o chat.jsonl --json\n\n\
        PATH is a file, a folder (its notes.paths files), or a git repository (its files at HEAD or --rev).\n\
        Each section becomes a question phrased from its heading and an answer holding its content."
    )]
    Notes {
        /// Note files, folders or git repositories.
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
        /// Write the records here (JSONL, replaced atomically); default standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Read a repository's notes at this revision instead of HEAD.
        #[arg(long, value_name = "REV")]
        rev: Option<String>,
        /// Prior turns in each record's input (1-3; default notes.turns).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        turns: Option<u8>,
        /// For repositories, also "what changed" exchanges from each note's revisions.
        #[arg(long)]
        history: bool,
        /// Print the summary as JSON on stdout (needs --output).
        #[arg(long, requires = "output")]
        json: bool,
    },
    /// Turn real transcripts into chat records with 1-3 prior turns of history.
    #[command(
        after_help = "Examples:\n  revmine ingest chats/*.txt -o chat.jsonl\n  \
        revmine ingest conversations.json --format chatgpt -o chat.jsonl\n  \
        revmine ingest sharegpt.json --turns 2 --keep-going -o chat.jsonl --json\n\n\
        Formats: text (User:/Assistant:, Human:/AI:, Q:/A: logs), markdown, sharegpt (JSON array or JSONL),\n\
        openai (messages JSONL), chatgpt (the data export's conversations.json); auto reads the content.\n\
        A broken file stops the run and nothing is written; with --keep-going the conversations before\n\
        the fault are written, the loss is reported, and the exit code is 2."
    )]
    Ingest {
        /// Transcript files.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// Write the records here (JSONL, replaced atomically); default standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long, default_value = "auto", value_parser = ["auto", "text", "markdown", "sharegpt", "openai", "chatgpt"])]
        format: String,
        /// Prior turns in each record's input (1-3).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=3))]
        turns: u8,
        /// Keep the conversations read before a fault in a broken file, and go on.
        #[arg(long)]
        keep_going: bool,
        /// Print the summary as JSON on stdout (needs --output).
        #[arg(long, requires = "output")]
        json: bool,
    },
    /// Check schema and ids of JSONL datasets; list every problem as PATH:LINE: ID: FIELD: message.
    #[command(
        after_help = "Examples:\n  revmine validate assistant_dataset_eval.jsonl\n  \
        revmine validate --schema my.schema.json data/*.jsonl\n  cat d.jsonl | revmine validate -\n\n\
        --json prints one object: {\"passed\", \"files\": [{\"path\",\"role\",\"records\",\"problems\"}], \
        \"problems\": [{\"path\",\"line\",\"id\",\"field\",\"message\",\"kind\"}], \"errors\": [..]}."
    )]
    Validate(ReadArgs),
    /// Run every configured gate (schema, unique_ids, uniqueness, near_duplicates, secrets, mix,
    /// real_share, leakage, eval_hard_cases, spot_check) and print a table.
    #[command(
        after_help = "Examples:\n  revmine check assistant_dataset_train.v8.jsonl assistant_dataset_eval.jsonl\n  \
        revmine check pairs.jsonl --train merged.jsonl\n  revmine check --json data/*.jsonl\n  \
        revmine check            # every dataset file under the working directory\n\n\
        Files matching files.train globs (default *train*.jsonl) also get the whole-set gates mix and real_share.\n\
        --json prints one object: {\"passed\": bool, \"files\": [..], \"gates\": [{\"name\", \"scope\", \"passed\", \
        \"skipped\", \"value\", \"threshold\", \"detail\"}], \"errors\": [..]}."
    )]
    Check(DatasetArgs),
    /// Convert a dataset to the rows TRL, OpenAI fine-tuning or ShareGPT (LLaMA-Factory) trainers read.
    #[command(
        after_help = "Examples:\n  revmine export train.jsonl --to trl -o trl.jsonl\n  \
        revmine export pairs.jsonl --to trl --style standard -o dpo.jsonl\n  \
        revmine export train.jsonl --to openai -o openai.jsonl --json\n  \
        revmine export train.jsonl --to sharegpt --kind preference --with-id > prefs.jsonl\n\n\
        SFT records (chat, qa, knowledge, memory, trajectory) become messages/conversations; preference\n\
        records become preference rows. One file never holds both (their columns differ): a mixed input\n\
        written with -o out.jsonl goes to out.sft.jsonl and out.pref.jsonl; to standard output it is an\n\
        error unless --kind picks one. A malformed line stops the run (FILE:LINE: ID: FIELD: message) and\n\
        nothing is written. --json prints {\"input\", \"format\", \"style\", \"records\", \"types\",\n\
        \"outputs\": [{\"path\", \"kind\", \"rows\"}], \"skipped\", \"system_dropped\"} on stdout."
    )]
    Export(ExportCliArgs),
    /// Assemble a train and an eval file from many sources: dedup, hard-case eval, real-share rebalance.
    #[command(
        after_help = "Examples:\n  revmine build                       # sources and outputs from [build] in revmine.toml\n  \
        revmine build v8.jsonl pairs.jsonl chat.jsonl --train train.v9.jsonl --eval eval.v3.jsonl\n  \
        revmine build --seed 11 --json\n\n\
        Drops, in order and counted per type and source: duplicate ids, exact and near-duplicate\n\
        responses (real records are kept first), eval surplus, train records that repeat an eval\n\
        record, per-type quotas, and records past the real-share target. Eval takes eval_per_type\n\
        records of each type, hard cases first; kept records get their tags in meta.tags. Both files\n\
        are replaced atomically, then judged by check's gates (exit 1 when one fails)."
    )]
    Build {
        /// Source JSONL files (default: [build] sources in the config).
        #[arg(value_name = "FILE")]
        sources: Vec<PathBuf>,
        /// Write the train set here (default: [build] train).
        #[arg(long, value_name = "FILE")]
        train: Option<PathBuf>,
        /// Write the eval set here (default: [build] eval).
        #[arg(long, value_name = "FILE")]
        eval: Option<PathBuf>,
        /// Seed for every choice (default: [build] seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Print {"build": report, "check": check's report} as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Periodic job: mine, convert and ingest every [[source]] of the config; each output holds each source's current records.
    #[command(
        after_help = "Examples:\n  revmine run                          # every [[source]] in revmine.toml\n  \
        revmine run --json >> /var/log/revmine.log\n  \
        revmine run --shard $JOB_COMPLETION_INDEX/4   # a Kubernetes indexed Job of 4\n  \
        revmine run --source drafts --wait\n\n\
        Each source keeps its last mined commit in [run] state_dir, so a run reads only newer history;\n\
        a rewritten history (force-push, rebase) is re-mined whole and the pairs of dropped commits are\n\
        removed. An edited note or transcript replaces its records (ids come from content).\n\
        Outputs and state are replaced atomically (temp file, fsync, rename), output first: a run killed\n\
        at any moment loses nothing and the next one writes nothing twice.\n\
        Exit codes: 0 every source done, 1 a source failed (the others still ran), 2 usage or config\n\
        error, 75 another run holds a source's lock (without --wait)."
    )]
    Run {
        /// Only the sources whose name hashes to K of N (K from 0): the shards of N hosts or array
        /// tasks together cover every source exactly once.
        #[arg(long, value_name = "K/N", value_parser = revmine::run::parse_shard)]
        shard: Option<(u64, u64)>,
        /// Only this source (by name); repeatable.
        #[arg(long = "source", value_name = "NAME")]
        only: Vec<String>,
        /// Wait for another run's locks instead of exiting with 75.
        #[arg(long)]
        wait: bool,
        /// One JSON object on stdout: per source its status, commits, records found and written, skips, seconds.
        #[arg(long)]
        json: bool,
    },
    /// Recompute the plan's "Current State (Measured)" block: counts, uniqueness, lengths.
    #[command(
        after_help = "Examples:\n  revmine stats assistant_dataset_train.v8.jsonl\n  revmine stats --json d.jsonl"
    )]
    Stats(ReadArgs),
    /// Draw a reproducible spot-check sheet: n records chosen by a seeded hash of their ids.
    #[command(
        after_help = "Examples:\n  revmine sample assistant_dataset_train.jsonl -n 100 --seed 7 -o review.md\n  \
        revmine sample train.jsonl -o review.md --html review.html\n  revmine sample train.jsonl | less\n\n\
        The same file and seed always draw the same records. The sheet names the file, its content hash\n\
        (xxh3-128 of its bytes), n, seed and date, then one `- [ ]` box per record with its id, type,\n\
        source, provenance (meta) and text. Tick every box, then `revmine review sign-off review.md`.\n\
        --html writes the same sample as one self-contained page: conversations, preference diffs, charts."
    )]
    Sample {
        /// The JSONL dataset.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Records to draw (default gates.spot_check.sample_size, 100).
        #[arg(short = 'n', long = "count", value_name = "N")]
        n: Option<usize>,
        /// Seed of the draw (default gates.spot_check.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Write the Markdown sheet here (replaced atomically); default standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write the sample as a self-contained HTML page.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Print a JSON summary on stdout (needs --output).
        #[arg(long, requires = "output")]
        json: bool,
    },
    /// Record the review of a spot-check sheet.
    #[command(
        after_help = "Examples:\n  revmine review sign-off review.md --by 'Ana Ruiz'\n  \
        revmine review sign-off review.md            # the name from git config user.name\n  \
        revmine review sign-off old/review.md --dataset data/train.jsonl\n\n\
        Signing appends {content_hash, by, at, records, sampled, n, seed, sheet} to <dataset>.signoff.json\n\
        (replaced atomically). It is refused (exit 1) when the dataset changed since the sheet was drawn,\n\
        when the sheet's records are not the ones the dataset and seed draw, or when a box is still open."
    )]
    Review {
        #[command(subcommand)]
        action: ReviewAction,
    },
    /// Copy (or move) a dataset into place only if it passes every gate as that name would be judged.
    #[command(
        after_help = "Examples:\n  revmine promote build/train.v9.jsonl --as assistant_dataset_train.v9.jsonl\n  \
        revmine promote candidate.jsonl --as data/eval.jsonl --move --json\n\n\
        NEW is judged by the same gates as `revmine check`, in the role NAME's name gives it (files.train /\n\
        files.eval globs). Only if all pass is NAME replaced: a temp file in NAME's directory, fsync, rename\n\
        (--move renames NEW itself), and only with the bytes that were judged. Otherwise nothing moves and\n\
        the exit code is 1. Sign-offs of NEW (NEW.signoff.json) are carried to NAME's ledger."
    )]
    Promote {
        /// The candidate dataset.
        #[arg(value_name = "NEW")]
        new: PathBuf,
        /// The name it is to have.
        #[arg(long = "as", value_name = "NAME")]
        name: PathBuf,
        /// Rename NEW instead of copying it.
        #[arg(long = "move")]
        move_: bool,
        /// JSON Schema replacing the built-in record schema.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Install, remove or inspect the git pre-commit hook that runs `revmine check --staged`.
    #[command(
        after_help = "Examples:\n  revmine hook install\n  revmine hook install --repo ~/datasets\n  \
        revmine hook status\n  revmine hook uninstall\n\n\
        The hook goes where git looks for hooks (core.hooksPath and worktrees are honoured). A pre-commit\n\
        hook that is not revmine's is kept as pre-commit.legacy and runs first; uninstall puts it back.\n\
        With the pre-commit framework, add this repository with `id: revmine-check` instead."
    )]
    Hook {
        #[command(subcommand)]
        action: HookAction,
        /// The repository (default: the one around the working directory).
        #[arg(long, global = true, value_name = "PATH", default_value = ".")]
        repo: PathBuf,
    },
    /// Write a commented revmine.toml holding every default.
    #[command(
        after_help = "Examples:\n  revmine init\n  revmine init --path config/revmine.toml --force"
    )]
    Init {
        #[arg(long, default_value = "revmine.toml", value_name = "PATH")]
        path: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ReviewAction {
    /// Sign off a fully ticked sheet: records who, when and the dataset's content hash.
    #[command(
        after_help = "Examples:\n  revmine sample train.jsonl -o review.md   # draw the sheet, then tick every box\n  \
        revmine review sign-off review.md --by 'Ana Ruiz'\n  \
        revmine review sign-off review.md            # the name from git config user.name\n  \
        revmine review sign-off old/review.md --dataset data/train.jsonl --json\n\n\
        Refused (exit 1, nothing recorded) when the dataset changed since the sheet was drawn, when the\n\
        sheet's records are not the ones the dataset and seed draw, or when a box is still open. A sheet\n\
        smaller than gates.spot_check.sample_size (or the whole of a smaller file) is recorded with a\n\
        warning that the spot_check gate will not count it."
    )]
    SignOff {
        /// The ticked sheet `revmine sample` wrote.
        #[arg(value_name = "SHEET")]
        sheet: PathBuf,
        /// Who signs (default: git config user.name).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// The dataset, if it is no longer where the sheet names it.
        #[arg(long, value_name = "FILE")]
        dataset: Option<PathBuf>,
        /// Print the outcome as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum HookAction {
    /// Install the hook (an existing foreign hook is kept and chained).
    #[command(
        after_help = "Examples:\n  revmine hook install                   # the repository around the working directory\n  \
        revmine hook install --repo ~/datasets\n  revmine hook install --force           # rewrite it even when up to date\n\n\
        Then every `git commit` runs `revmine check --staged` on the staged dataset files and is blocked\n\
        when a gate fails (`git commit --no-verify` skips it once)."
    )]
    Install {
        /// Rewrite revmine's hook even when it is up to date.
        #[arg(long)]
        force: bool,
    },
    /// Remove revmine's hook and restore the one it chained, if any.
    #[command(
        after_help = "Examples:\n  revmine hook uninstall\n  revmine hook uninstall --repo ~/datasets"
    )]
    Uninstall,
    /// Say what is installed and where.
    #[command(
        after_help = "Examples:\n  revmine hook status\n  revmine hook status --repo ~/datasets"
    )]
    Status,
}

#[derive(Debug, Args)]
struct MineCliArgs {
    /// Git repositories to mine.
    #[arg(value_name = "REPO", required = true)]
    repos: Vec<PathBuf>,
    /// Write the pairs here (JSONL, replaced atomically); default standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Walk from this revision instead of HEAD.
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
    /// first-parent: history as merged; branches: every non-merge commit (pull-request workflows).
    #[arg(long, value_parser = ["first-parent", "branches"])]
    history: Option<String>,
    /// consecutive: each revision against the one before; final: each earlier version against the last.
    #[arg(long, value_parser = ["consecutive", "final"])]
    pairs: Option<String>,
    /// Only files matching GLOB (repeatable; replaces mine.paths).
    #[arg(long = "path", value_name = "GLOB")]
    paths: Vec<String>,
    /// Only revisions committed on or after DATE (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only revisions committed on or before DATE.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only revisions by authors matching REGEX ("Name <email>"; repeatable).
    #[arg(long = "author", value_name = "REGEX")]
    authors: Vec<String>,
    /// Fold revisions by authors matching REGEX into the next one (repeatable; adds to mine.exclude_authors).
    #[arg(long = "exclude-author", value_name = "REGEX")]
    exclude_authors: Vec<String>,
    /// Add a unified diff of each pair to its meta.
    #[arg(long)]
    diff: bool,
    /// Print the summary as JSON on stdout (needs --output).
    #[arg(long, requires = "output")]
    json: bool,
}

#[derive(Debug, Args)]
struct ExportCliArgs {
    /// The JSONL dataset; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Row format to write.
    #[arg(long, value_name = "FORMAT", value_parser = ["trl", "openai", "sharegpt"])]
    to: String,
    /// Write here (replaced atomically; split in two for a mixed input); default standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// TRL preference rows: conversational (role/content messages, rendered with the model's chat
    /// template) or standard (plain strings) [default: conversational].
    #[arg(long, value_parser = ["conversational", "standard"])]
    style: Option<String>,
    /// auto: whatever the input holds; sft or preference: only that kind (the other is skipped and counted).
    #[arg(long, default_value = "auto", value_parser = ["auto", "sft", "preference"])]
    kind: String,
    /// Add each record's id as an `id` column.
    #[arg(long)]
    with_id: bool,
    /// Print the summary as JSON on stdout (needs --output).
    #[arg(long, requires = "output")]
    json: bool,
}

fn export_args(a: &ExportCliArgs) -> anyhow::Result<revmine::export::ExportArgs> {
    use revmine::export::{ExportArgs, Format, Options};
    let format: Format = a.to.parse().map_err(anyhow::Error::msg)?;
    if a.style.is_some() && format != Format::Trl {
        anyhow::bail!(
            "--style applies to --to trl only (OpenAI and ShareGPT have one preference shape)"
        );
    }
    Ok(ExportArgs {
        file: a.file.clone(),
        output: stdout_dash(&a.output),
        cwd: std::env::current_dir()?,
        options: Options {
            format,
            style: a
                .style
                .as_deref()
                .unwrap_or("conversational")
                .parse()
                .map_err(anyhow::Error::msg)?,
            kind: a.kind.parse().map_err(anyhow::Error::msg)?,
            with_id: a.with_id,
        },
        json: a.json,
    })
}

/// What `validate` and `stats` read: files, a schema, a report format.
/// `check`'s roles (--train, --eval) and --staged judge nothing here.
#[derive(Debug, Args)]
struct ReadArgs {
    /// JSONL dataset files; `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// JSON Schema replacing the built-in record schema.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,
    /// Print a machine-readable JSON report on stdout instead of the human one.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DatasetArgs {
    /// JSONL dataset files; `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Judge FILE as a train set (mix, real_share) whatever its name.
    #[arg(long, value_name = "FILE")]
    train: Vec<PathBuf>,
    /// Judge FILE as an eval set whatever its name.
    #[arg(long, value_name = "FILE")]
    eval: Vec<PathBuf>,
    /// JSON Schema replacing the built-in record schema.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,
    /// Print a machine-readable JSON report on stdout instead of the human one.
    #[arg(long)]
    json: bool,
    /// Check the dataset files staged in the git index (their staged content), as the pre-commit hook does.
    #[arg(long, conflicts_with_all = ["files", "train", "eval"])]
    staged: bool,
}

impl Cli {
    fn dataset_options(&self, args: &DatasetArgs) -> anyhow::Result<DatasetOptions> {
        Ok(DatasetOptions {
            files: args.files.clone(),
            train: args.train.clone(),
            eval: args.eval.clone(),
            config: self.config.clone(),
            schema: args.schema.clone(),
            json: args.json,
            cwd: std::env::current_dir()?,
            staged: args.staged,
        })
    }

    /// `validate` and `stats` read the files named, in no role of their own.
    fn read_options(&self, args: &ReadArgs) -> anyhow::Result<DatasetOptions> {
        Ok(DatasetOptions {
            files: args.files.clone(),
            config: self.config.clone(),
            schema: args.schema.clone(),
            json: args.json,
            cwd: std::env::current_dir()?,
            ..DatasetOptions::default()
        })
    }
}

fn hook(action: &HookAction, repo: &std::path::Path, out: &mut dyn Write) -> anyhow::Result<Exit> {
    use revmine::hook::{self, Installed, Outcome};
    let (outcome, status) = match action {
        HookAction::Install { force } => hook::install(repo, *force)?,
        HookAction::Uninstall => hook::uninstall(repo)?,
        HookAction::Status => (Outcome::AlreadyInstalled, hook::status(repo)?),
    };
    let hook_path = status.hooks_dir.join("pre-commit");
    let said = match (action, outcome) {
        (HookAction::Status, _) => match status.installed {
            Installed::Revmine => format!(
                "revmine's pre-commit hook is installed at {}",
                hook_path.display()
            ),
            Installed::RevmineOutdated => {
                format!(
                    "an older revmine hook is at {} (`revmine hook install` updates it)",
                    hook_path.display()
                )
            }
            Installed::Other => format!("{} is not revmine's hook", hook_path.display()),
            Installed::None => format!("no pre-commit hook in {}", status.hooks_dir.display()),
        },
        (_, Outcome::Installed) => format!("installed {}", hook_path.display()),
        (_, Outcome::InstalledChained) => format!(
            "installed {}; the hook that was there is kept as pre-commit.legacy and runs first",
            hook_path.display()
        ),
        (_, Outcome::Updated) => format!("updated {}", hook_path.display()),
        (_, Outcome::AlreadyInstalled) => format!(
            "already installed at {} (nothing changed)",
            hook_path.display()
        ),
        (_, Outcome::Removed) => format!("removed {}", hook_path.display()),
        (_, Outcome::RemovedRestored) => {
            format!(
                "removed revmine's hook and restored the previous one at {}",
                hook_path.display()
            )
        }
        (_, Outcome::NotInstalled) => format!(
            "no revmine hook in {} (nothing changed)",
            status.hooks_dir.display()
        ),
        (_, Outcome::ForeignLeftAlone) => {
            format!("{} is not revmine's hook; left alone", hook_path.display())
        }
    };
    writeln!(out, "{said}")?;
    if status.chained
        && matches!(
            status.installed,
            Installed::Revmine | Installed::RevmineOutdated
        )
    {
        writeln!(
            out,
            "chained: {} runs first",
            status.hooks_dir.join("pre-commit.legacy").display()
        )?;
    }
    Ok(Exit::Ok)
}

fn mine_args(cli: &Cli, a: &MineCliArgs) -> anyhow::Result<app::MineArgs> {
    use revmine::config::{HistoryMode, PairsMode};
    Ok(app::MineArgs {
        repos: a.repos.clone(),
        output: stdout_dash(&a.output),
        config: cli.config.clone(),
        cwd: std::env::current_dir()?,
        rev: a.rev.clone(),
        history: a.history.as_deref().map(|h| {
            if h == "branches" {
                HistoryMode::Branches
            } else {
                HistoryMode::FirstParent
            }
        }),
        pairs: a.pairs.as_deref().map(|p| {
            if p == "final" {
                PairsMode::Final
            } else {
                PairsMode::Consecutive
            }
        }),
        paths: a.paths.clone(),
        since: a.since.clone(),
        until: a.until.clone(),
        authors: a.authors.clone(),
        exclude_authors: a.exclude_authors.clone(),
        diff: a.diff,
        json: a.json,
    })
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<Exit> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let exit = match &cli.command {
        Command::Demo { dir } => revmine::demo::run(dir.as_deref(), &mut out, &mut err)?,
        Command::Mine(a) => app::mine(&mine_args(&cli, a)?, &mut out, &mut err)?,
        Command::Notes {
            paths,
            output,
            rev,
            turns,
            history,
            json,
        } => {
            let args = app::NotesArgs {
                paths: paths.clone(),
                output: stdout_dash(output),
                config: cli.config.clone(),
                cwd: std::env::current_dir()?,
                rev: rev.clone(),
                turns: turns.map(usize::from),
                history: *history,
                json: *json,
                globs: Vec::new(),
            };
            app::notes(&args, &mut out, &mut err)?
        }
        Command::Ingest {
            files,
            output,
            format,
            turns,
            keep_going,
            json,
        } => {
            let args = app::IngestArgs {
                files: files.clone(),
                output: stdout_dash(output),
                cwd: std::env::current_dir()?,
                format: format.parse().map_err(anyhow::Error::msg)?,
                turns: usize::from(*turns),
                keep_going: *keep_going,
                json: *json,
                config: cli.config.clone(),
            };
            app::ingest(&args, &mut out, &mut err)?
        }
        Command::Validate(a) => app::validate(&cli.read_options(a)?, &mut out, &mut err)?,
        Command::Check(a) => app::check(&cli.dataset_options(a)?, &mut out, &mut err)?,
        Command::Build {
            sources,
            train,
            eval,
            seed,
            json,
        } => {
            let args = app::BuildArgs {
                sources: sources.clone(),
                train: train.clone(),
                eval: eval.clone(),
                seed: *seed,
                json: *json,
                config: cli.config.clone(),
                cwd: std::env::current_dir()?,
            };
            app::build(&args, &mut out, &mut err)?
        }
        Command::Run {
            shard,
            only,
            wait,
            json,
        } => {
            let args = revmine::run::RunArgs {
                config: cli.config.clone(),
                cwd: std::env::current_dir()?,
                shard: *shard,
                only: only.clone(),
                wait: *wait,
                json: *json,
            };
            revmine::run::run(&args, &mut out, &mut err)?
        }
        Command::Export(a) => revmine::export::run(&export_args(a)?, &mut out, &mut err)?,
        Command::Stats(a) => app::stats(&cli.read_options(a)?, &mut out, &mut err)?,
        Command::Sample {
            file,
            n,
            seed,
            output,
            html,
            json,
        } => {
            let args = revmine::review::SampleArgs {
                file: file.clone(),
                n: *n,
                seed: *seed,
                output: stdout_dash(output),
                html: stdout_dash(html),
                config: cli.config.clone(),
                cwd: std::env::current_dir()?,
                json: *json,
            };
            revmine::review::sample(&args, &mut out, &mut err)?
        }
        Command::Review {
            action:
                ReviewAction::SignOff {
                    sheet,
                    by,
                    dataset,
                    json,
                },
        } => {
            let args = revmine::review::SignOffArgs {
                sheet: sheet.clone(),
                by: by.clone(),
                dataset: dataset.clone(),
                config: cli.config.clone(),
                cwd: std::env::current_dir()?,
                json: *json,
            };
            revmine::review::sign_off(&args, &mut out, &mut err)?
        }
        Command::Promote {
            new,
            name,
            move_,
            schema,
            json,
        } => {
            let args = revmine::review::PromoteArgs {
                new: new.clone(),
                name: name.clone(),
                how: if *move_ {
                    revmine::promote::How::Move
                } else {
                    revmine::promote::How::Copy
                },
                config: cli.config.clone(),
                schema: schema.clone(),
                cwd: std::env::current_dir()?,
                json: *json,
            };
            revmine::review::promote(&args, &mut out, &mut err)?
        }
        Command::Hook { action, repo } => hook(action, repo, &mut out)?,
        Command::Init { path, force } => {
            app::init(path, *force)?;
            writeln!(
                err,
                "wrote {} (every value is the built-in default)",
                path.display()
            )?;
            Exit::Ok
        }
    };
    out.flush()?;
    Ok(exit)
}

/// `-o -` names standard output, as leaving `-o` out does.
fn stdout_dash(p: &Option<PathBuf>) -> Option<PathBuf> {
    p.clone().filter(|p| p.as_os_str() != "-")
}
