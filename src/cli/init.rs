//! `revmine init`: a commented config holding every default.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use revmine::error::Error;

use crate::cli::common::*;

#[derive(Debug, Args)]
pub(crate) struct Flags {
    #[arg(long, default_value = "revmine.toml", value_name = "PATH")]
    pub(crate) path: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub(crate) force: bool,
}

pub(crate) fn command(
    flags: &Flags,
    _config: &Option<PathBuf>,
    _out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    init(&flags.path, flags.force)?;
    writeln!(
        err,
        "wrote {} (every value is the built-in default)",
        flags.path.display()
    )?;
    Ok(Exit::Ok)
}

/// `revmine init`: writes the commented default config.
pub(crate) fn init(path: &Path, force: bool) -> Result<(), Error> {
    // Only a file that would be replaced needs --force; a FIFO, a device or
    // standard output is written to, not replaced.
    let replaces = matches!(
        revmine::output::resolve(path)?,
        revmine::output::Dest::Replace(_)
    );
    if replaces && path.exists() && !force {
        return Err(Error::Exists {
            path: path.to_path_buf(),
        });
    }
    revmine::output::write_file(path, revmine::config::DEFAULT_TOML.as_bytes())
}
