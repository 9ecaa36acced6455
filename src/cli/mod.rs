//! The commands, as the binary runs them: one file per command, holding its
//! clap flags and the code that turns them into the library's plain
//! options, runs the stages and reports. Here: the top-level parser, the
//! subcommand list (each with its help text and examples) and the dispatch.

mod build;
mod check;
mod common;
mod demo;
mod export;
mod hook;
mod ingest;
mod init;
mod mine;
mod notes;
mod review;
mod run;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use common::Exit;

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
    Demo(demo::Flags),
    /// Mine revision history into preference pairs (earlier = rejected, revised = chosen).
    #[command(after_help = "Examples:\n  revmine mine ~/notes -o pairs.jsonl\n  \
        revmine mine drafts/ notes/ -o pairs.jsonl --since 2026-01-01 --exclude-author 'bot'\n  \
        revmine mine rfcs/ --history branches --path 'text/*.md' -o rfc-pairs.jsonl\n  \
        revmine mine . --pairs final --diff -o pairs.jsonl --json\n\n\
        The summary (stderr; with --json one object on stdout) counts commits walked, files, versions,\n\
        units, pairs written and every skip reason. The output file is replaced atomically, and only\n\
        when every repo was mined.")]
    Mine(mine::Flags),
    /// Turn planning and status notes into user-assistant chat records, one conversation per note.
    #[command(
        after_help = "Examples:\n  revmine notes plans/q4.md -o chat.jsonl\n  revmine notes ~/notes -o chat.jsonl --turns 2\n  \
        revmine notes ~/notes-repo --rev main -o chat.jsonl --json\n\n\
        PATH is a file, a folder (its notes.paths files), or a git repository (its files at HEAD or --rev).\n\
        Each section becomes a question phrased from its heading and an answer holding its content."
    )]
    Notes(notes::Flags),
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
    Ingest(ingest::Flags),
    /// Check schema and ids of JSONL datasets; list every problem as PATH:LINE: ID: FIELD: message.
    #[command(
        after_help = "Examples:\n  revmine validate assistant_dataset_eval.jsonl\n  \
        revmine validate --schema my.schema.json data/*.jsonl\n  cat d.jsonl | revmine validate -\n\n\
        --json prints one object: {\"passed\", \"files\": [{\"path\",\"role\",\"records\",\"problems\"}], \
        \"problems\": [{\"path\",\"line\",\"id\",\"field\",\"message\",\"kind\"}], \"errors\": [..]}."
    )]
    Validate(check::ReadArgs),
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
    Check(check::DatasetArgs),
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
    Export(export::Flags),
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
    Build(build::Flags),
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
    Run(run::Flags),
    /// Recompute the plan's "Current State (Measured)" block: counts, uniqueness, lengths.
    #[command(
        after_help = "Examples:\n  revmine stats assistant_dataset_train.v8.jsonl\n  revmine stats --json d.jsonl"
    )]
    Stats(check::ReadArgs),
    /// Draw a reproducible spot-check sheet: n records chosen by a seeded hash of their ids.
    #[command(
        after_help = "Examples:\n  revmine sample assistant_dataset_train.jsonl -n 100 --seed 7 -o review.md\n  \
        revmine sample train.jsonl -o review.md --html review.html\n  revmine sample train.jsonl | less\n\n\
        The same file and seed always draw the same records. The sheet names the file, its content hash\n\
        (xxh3-128 of its bytes), n, seed and date, then one `- [ ]` box per record with its id, type,\n\
        source, provenance (meta) and text. Tick every box, then `revmine review sign-off review.md`.\n\
        --html writes the same sample as one self-contained page: conversations, preference diffs, charts."
    )]
    Sample(review::SampleFlags),
    /// Record the review of a spot-check sheet.
    #[command(
        after_help = "Examples:\n  revmine review sign-off review.md --by 'Ana Ruiz'\n  \
        revmine review sign-off review.md            # the name from git config user.name\n  \
        revmine review sign-off old/review.md --dataset data/train.jsonl\n\n\
        Signing appends {content_hash, by, at, records, sampled, n, seed, sheet} to <dataset>.signoff.json\n\
        (replaced atomically). It is refused (exit 1) when the dataset changed since the sheet was drawn,\n\
        when the sheet's records are not the ones the dataset and seed draw, or when a box is still open."
    )]
    Review(review::ReviewFlags),
    /// Copy (or move) a dataset into place only if it passes every gate as that name would be judged.
    #[command(
        after_help = "Examples:\n  revmine promote build/train.v9.jsonl --as assistant_dataset_train.v9.jsonl\n  \
        revmine promote candidate.jsonl --as data/eval.jsonl --move --json\n\n\
        NEW is judged by the same gates as `revmine check`, in the role NAME's name gives it (files.train /\n\
        files.eval globs). Only if all pass is NAME replaced: a temp file in NAME's directory, fsync, rename\n\
        (--move renames NEW itself), and only with the bytes that were judged. Otherwise nothing moves and\n\
        the exit code is 1. Sign-offs of NEW (NEW.signoff.json) are carried to NAME's ledger."
    )]
    Promote(review::PromoteFlags),
    /// Install, remove or inspect the git pre-commit hook that runs `revmine check --staged`.
    #[command(
        after_help = "Examples:\n  revmine hook install\n  revmine hook install --repo ~/datasets\n  \
        revmine hook status\n  revmine hook uninstall\n\n\
        The hook goes where git looks for hooks (core.hooksPath and worktrees are honoured). A pre-commit\n\
        hook that is not revmine's is kept as pre-commit.legacy and runs first; uninstall puts it back.\n\
        With the pre-commit framework, add this repository with `id: revmine-check` instead."
    )]
    Hook(hook::Flags),
    /// Write a commented revmine.toml holding every default.
    #[command(
        after_help = "Examples:\n  revmine init\n  revmine init --path config/revmine.toml --force"
    )]
    Init(init::Flags),
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<Exit> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let (out_, err_, config) = (&mut out, &mut err, &cli.config);
    let exit = match &cli.command {
        Command::Demo(f) => demo::command(f, config, out_, err_)?,
        Command::Mine(f) => mine::command(f, config, out_, err_)?,
        Command::Notes(f) => notes::command(f, config, out_, err_)?,
        Command::Ingest(f) => ingest::command(f, config, out_, err_)?,
        Command::Validate(f) => check::validate_command(f, config, out_, err_)?,
        Command::Check(f) => check::check_command(f, config, out_, err_)?,
        Command::Build(f) => build::command(f, config, out_, err_)?,
        Command::Run(f) => run::command(f, config, out_, err_)?,
        Command::Export(f) => export::command(f, config, out_, err_)?,
        Command::Stats(f) => check::stats_command(f, config, out_, err_)?,
        Command::Sample(f) => review::sample_command(f, config, out_, err_)?,
        Command::Review(f) => review::review_command(f, config, out_, err_)?,
        Command::Promote(f) => review::promote_command(f, config, out_, err_)?,
        Command::Hook(f) => hook::command(f, config, out_, err_)?,
        Command::Init(f) => init::command(f, config, out_, err_)?,
    };
    out.flush()?;
    Ok(exit)
}
