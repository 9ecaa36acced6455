//! The one way revmine writes a file the user named: every command's output
//! goes through here, so the rules hold everywhere.
//!
//! - **Regular files are replaced atomically**: the bytes go to a temp file
//!   beside the target, are fsynced, and the temp file is renamed over the
//!   target (then the folder is fsynced), so a failed or interrupted run leaves
//!   the previous file intact. A missing parent folder is created.
//! - **Only regular files are renamed over.** A symlink is followed and its
//!   target replaced (the link stays, as `sed -i --follow-symlinks` does). A
//!   FIFO, a character or block device (`/dev/null`), or a descriptor link
//!   (`/dev/stdout`, `/dev/fd/N`, a shell's `>(cmd)`) is opened and written
//!   through, never replaced. A folder or a socket is an error.
//! - **An output is never an input.** [`refuse_overlap`] compares files by
//!   device and inode (not by spelling) before any work.
//!
//! Errors name the path the user gave, never a temp file.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::dataset::content_hash::{ContentHash, ContentHasher};
use crate::error::Error;

/// Where an output path really leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// `-`: standard output.
    Stdout,
    /// A regular file, existing or not, after following symlinks: replaced
    /// atomically by a rename in its own folder.
    Replace(PathBuf),
    /// A FIFO, a device or a descriptor link: opened and written through.
    /// `append` is set when a descriptor link leads to a regular file (say
    /// `-o /dev/stdout >> log`), so what the shell set up is never truncated.
    Through { path: PathBuf, append: bool },
}

/// Symlink hops followed before giving up (Linux's own limit, `ELOOP`).
const MAX_HOPS: usize = 40;

/// Says where writing to `path` leads: see [`Dest`].
///
/// # Errors
/// [`Error::Output`] for a folder, a socket or a symlink loop; [`Error::Write`]
/// when the path cannot be examined.
pub fn resolve(path: &Path) -> Result<Dest, Error> {
    if path == Path::new("-") {
        return Ok(Dest::Stdout);
    }
    let bad = |message: &str| Error::Output {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    match std::fs::metadata(path) {
        Ok(m) => {
            let ft = m.file_type();
            if ft.is_dir() {
                Err(bad("is a folder; name a file"))
            } else if ft.is_socket() {
                Err(bad("is a socket; revmine writes files, FIFOs and devices"))
            } else if ft.is_file() {
                if through_descriptor(path) {
                    Ok(Dest::Through {
                        path: path.to_path_buf(),
                        append: true,
                    })
                } else {
                    Ok(Dest::Replace(final_target(path)?))
                }
            } else {
                // FIFO, character or block device.
                Ok(Dest::Through {
                    path: path.to_path_buf(),
                    append: false,
                })
            }
        }
        // Absent, or a dangling symlink: the file the chain ends at is created.
        // ENOTDIR: a file where a folder should be, which creating the
        // folder reports; ELOOP: a symlink loop, which the walk names.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || matches!(e.raw_os_error(), Some(20 | 40)) =>
        {
            Ok(Dest::Replace(final_target(path)?))
        }
        Err(source) => Err(Error::Write {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The path at the end of `path`'s symlink chain (the last component's links
/// only: a rename in the target's folder is what replaces it).
fn final_target(path: &Path) -> Result<PathBuf, Error> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_HOPS {
        match std::fs::read_link(&p) {
            Ok(link) => p = parent_dir(&p).join(link),
            Err(_) => return Ok(p),
        }
    }
    Err(Error::Output {
        path: path.to_path_buf(),
        message: format!("is a chain of more than {MAX_HOPS} symlinks (a loop?)"),
    })
}

/// Whether `path` reaches its file through a process's descriptor table
/// (`/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/1`): such a "file" is the
/// caller's open descriptor, and renaming over what it points to would
/// detach it.
fn through_descriptor(path: &Path) -> bool {
    let magic = |p: &Path| p.starts_with("/proc") || p.starts_with("/dev/fd");
    let mut p = path.to_path_buf();
    for _ in 0..MAX_HOPS {
        if magic(&p) {
            return true;
        }
        match std::fs::read_link(&p) {
            Ok(link) => p = parent_dir(&p).join(link),
            Err(_) => return false,
        }
    }
    false
}

/// What makes two paths one file for [`refuse_overlap`]: device and inode of
/// an existing regular file or FIFO (`-`: whatever standard input is for an
/// input, standard output for an output), or,
/// for a file not made yet, its real folder and name, so two outputs that
/// will become one file are caught before either exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Inode(u64, u64),
    Future(PathBuf),
}

/// `path` for a message, `-` spelled out as what it stands for.
fn named(path: &Path, dash: &str) -> PathBuf {
    if path == Path::new("-") {
        PathBuf::from(format!("- ({dash})"))
    } else {
        path.to_path_buf()
    }
}

/// The identity of an input (`-`: standard input, whatever it is); `None`
/// for a path that does not exist (its command's error to report), a folder
/// or a device.
pub fn input_identity(cwd: &Path, p: &Path) -> Option<Identity> {
    identity(cwd, p, true).filter(|i| matches!(i, Identity::Inode(..)))
}

/// Whether writing to `path` (taken from `cwd`) lands on this process's
/// standard output: `-`, `/dev/stdout`, or the file or pipe stdout is. A
/// command's report then goes to stderr, so the records stay clean.
pub fn is_stdout(cwd: &Path, path: &Path) -> bool {
    path == Path::new("-")
        || identity(cwd, path, false)
            .is_some_and(|id| identity(cwd, Path::new("-"), false) == Some(id))
}

/// `-` is standard input for an input and standard output for an output:
/// `notes - < a.md >> a.md` would write into its own input.
fn identity(cwd: &Path, p: &Path, input: bool) -> Option<Identity> {
    use std::os::fd::AsFd;
    let meta = if p == Path::new("-") {
        let fd = if input {
            std::io::stdin().as_fd().try_clone_to_owned()
        } else {
            std::io::stdout().as_fd().try_clone_to_owned()
        };
        File::from(fd.ok()?).metadata()
    } else {
        std::fs::metadata(cwd.join(p))
    };
    match meta {
        Ok(m) if m.is_file() || m.file_type().is_fifo() => Some(Identity::Inode(m.dev(), m.ino())),
        Ok(_) => None,
        Err(_) if p != Path::new("-") => {
            let target = final_target(&cwd.join(p)).ok()?;
            let dir = parent_dir(&target).canonicalize().ok()?;
            Some(Identity::Future(dir.join(target.file_name()?)))
        }
        Err(_) => None,
    }
}

/// When `path` is this process's own standard output or error (say
/// `/dev/stdout` with stdout redirected to a file), a duplicate of that
/// descriptor: it shares the shell's file offset, so what revmine writes
/// there and what it prints to stdout follow one another instead of
/// overwriting each other, as opening the file anew would.
fn own_descriptor(path: &Path) -> Option<File> {
    use std::os::fd::AsFd;
    let m = std::fs::metadata(path).ok()?;
    let candidates = [
        std::io::stdout().as_fd().try_clone_to_owned(),
        std::io::stderr().as_fd().try_clone_to_owned(),
    ];
    candidates.into_iter().flatten().map(File::from).find(|f| {
        f.metadata()
            .is_ok_and(|own| own.dev() == m.dev() && own.ino() == m.ino())
    })
}

/// Refuses, before any work, an output that is the same file as an input or
/// as another output (same device and inode, however each was spelled or
/// linked). Relative paths are taken from `cwd` and reported as given. `-` is
/// standard input among `inputs` and standard output among `outputs`. Paths
/// that do not exist yet and devices (`/dev/null` named twice harms nothing)
/// pass.
///
/// # Errors
/// [`Error::SameFile`] naming both spellings.
pub fn refuse_overlap(cwd: &Path, inputs: &[&Path], outputs: &[&Path]) -> Result<(), Error> {
    let input_id = |p: &Path| input_identity(cwd, p);
    for (i, out) in outputs.iter().enumerate() {
        let Some(o) = identity(cwd, out, false) else {
            continue;
        };
        if let Some(input) = inputs.iter().find(|p| input_id(p).as_ref() == Some(&o)) {
            return Err(Error::SameFile {
                output: named(out, "standard output"),
                other: named(input, "standard input"),
                role: "an input",
            });
        }
        if let Some(other) = outputs[..i]
            .iter()
            .find(|p| identity(cwd, p, false).as_ref() == Some(&o))
        {
            return Err(Error::SameFile {
                output: named(out, "standard output"),
                other: named(other, "standard output"),
                role: "another output",
            });
        }
    }
    Ok(())
}

/// The regular file a rename into place must replace for `to`: its symlinks
/// followed. For commands that can only replace (`promote`, `run`'s
/// append), never write through.
///
/// # Errors
/// [`Error::Output`] when `to` is not a regular file (or absent).
pub fn replace_target(to: &Path) -> Result<PathBuf, Error> {
    match resolve(to)? {
        Dest::Replace(target) => Ok(target),
        Dest::Stdout | Dest::Through { .. } => Err(Error::Output {
            path: to.to_path_buf(),
            message: "is not a regular file; this command only replaces regular files".into(),
        }),
    }
}

/// Replaces (or writes through) `path` with `bytes`: [`Output`] in one call.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_file_in(Path::new(""), path, bytes)
}

/// [`write_file`] for `path` taken from `cwd` and named as given in errors.
pub fn write_file_in(cwd: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut out = Output::create_in(cwd, path)?;
    out.write_all(bytes)?;
    out.commit()
}

/// An output being written: a temp file beside a regular target, renamed
/// into place only on [`Output::commit`] (dropped uncommitted, it leaves the
/// target as it was), or a FIFO, device or standard output written through
/// as bytes come. Memory stays flat either way.
pub struct Output {
    given: PathBuf,
    sink: Sink,
}

enum Sink {
    Replace {
        file: std::io::BufWriter<tempfile::NamedTempFile>,
        target: PathBuf,
        syncer: Syncer,
    },
    /// Bytes held in an anonymous temp file until commit, then copied to
    /// `dest`: a run that fails writes nothing there, as with a regular file.
    Through {
        spool: std::io::BufWriter<File>,
        dest: File,
    },
    Stdout(std::io::BufWriter<std::io::Stdout>),
}

impl Output {
    /// Opens `path` as [`resolve`] says: `-` is standard output; a regular
    /// file (or a new one, its parent folders created) gets a temp file
    /// beside it; anything else is opened for writing.
    ///
    /// # Errors
    /// [`Error::Output`] for a folder, a socket or a folder that cannot be
    /// created; [`Error::Write`] naming `path` when it cannot be opened.
    pub fn create(path: &Path) -> Result<Self, Error> {
        Self::create_in(Path::new(""), path)
    }

    /// [`Output::create`] for `path` taken from `cwd` (a relative path is
    /// joined to it), named in errors as the user gave it.
    ///
    /// # Errors
    /// As [`Output::create`].
    pub fn create_in(cwd: &Path, given: &Path) -> Result<Self, Error> {
        let real = cwd.join(given);
        Self::open(&real, given)
            .map_err(|e| match e {
                Error::Output { message, .. } => Error::Output {
                    path: given.to_path_buf(),
                    message,
                },
                Error::Write { source, .. } => Error::Write {
                    path: given.to_path_buf(),
                    source,
                },
                e => e,
            })
            .map(|mut o| {
                o.given = given.to_path_buf();
                o
            })
    }

    /// Opens `path`; `shown` is how the user named it.
    fn open(path: &Path, shown: &Path) -> Result<Self, Error> {
        let write_err = |source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        let sink = match resolve(path)? {
            Dest::Stdout => Sink::Stdout(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )),
            Dest::Through { path: p, append } => {
                let file = match own_descriptor(&p) {
                    Some(f) => f,
                    None => std::fs::OpenOptions::new()
                        .write(true)
                        .append(append)
                        .open(&p)
                        .map_err(write_err)?,
                };
                let spool = tempfile::tempfile().map_err(|e| Error::Output {
                    path: path.to_path_buf(),
                    message: format!("cannot make a temp file to hold it until the end: {e}"),
                })?;
                Sink::Through {
                    spool: std::io::BufWriter::with_capacity(1 << 20, spool),
                    dest: file,
                }
            }
            Dest::Replace(target) => {
                let dir = parent_dir(&target);
                if !dir.is_dir() {
                    // Named as the user wrote it, unless a symlink led elsewhere.
                    let named = if target == path {
                        parent_dir(shown)
                    } else {
                        dir
                    };
                    std::fs::create_dir_all(dir).map_err(|e| {
                        let why = match e.kind() {
                            std::io::ErrorKind::AlreadyExists
                            | std::io::ErrorKind::NotADirectory => {
                                "a file is in the way".to_string()
                            }
                            _ => e.to_string(),
                        };
                        Error::Output {
                            path: path.to_path_buf(),
                            message: format!(
                                "cannot create its folder `{}`: {why}",
                                named.display()
                            ),
                        }
                    })?;
                }
                // tempfile's error names the temp file; say what the user named.
                let tmp = tempfile::Builder::new()
                    .prefix(".revmine-")
                    .tempfile_in(dir)
                    .map_err(|e| Error::Output {
                        path: path.to_path_buf(),
                        message: format!(
                            "cannot be written: cannot create a file in its folder `{}` ({})",
                            if target == path {
                                parent_dir(shown)
                            } else {
                                dir
                            }
                            .display(),
                            e.kind()
                        ),
                    })?;
                Sink::Replace {
                    file: std::io::BufWriter::with_capacity(1 << 20, tmp),
                    target,
                    syncer: Syncer::new(SYNC_STEP),
                }
            }
        };
        Ok(Output {
            given: path.to_path_buf(),
            sink,
        })
    }

    /// Whether the output is a regular file replaced on commit (and so can
    /// be committed under another name, see [`Output::commit_as`]).
    pub fn replaces(&self) -> bool {
        matches!(self.sink, Sink::Replace { .. })
    }

    fn err(&self) -> impl Fn(std::io::Error) -> Error + '_ {
        |source| Error::Write {
            path: self.given.clone(),
            source,
        }
    }

    /// Appends `bytes`.
    ///
    /// # Errors
    /// [`Error::Write`] naming the output.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let result = match &mut self.sink {
            Sink::Replace { file, syncer, .. } => file
                .write_all(bytes)
                .and_then(|()| syncer.wrote(bytes.len(), file.get_ref())),
            Sink::Through { spool, .. } => spool.write_all(bytes),
            Sink::Stdout(out) => out.write_all(bytes),
        };
        result.map_err(self.err())
    }

    /// Appends `line` and a newline.
    ///
    /// # Errors
    /// [`Error::Write`] naming the output.
    pub fn line(&mut self, line: &str) -> Result<(), Error> {
        self.write_all(line.as_bytes())?;
        self.write_all(b"\n")
    }

    /// Commits under `path` instead of the name the output was created with,
    /// for an output whose name depends on what the input held (`export`
    /// splits a mixed input in two). `path` must lead to the same folder.
    ///
    /// # Errors
    /// [`Error::Output`] when the output is written through (there is no
    /// second file to name), or when `path` leads elsewhere.
    pub fn commit_as(mut self, path: &Path) -> Result<(), Error> {
        let target = replace_target(path)?;
        match &mut self.sink {
            Sink::Replace { target: t, .. } if parent_dir(t) == parent_dir(&target) => {
                *t = target;
                self.given = path.to_path_buf();
                self.commit()
            }
            // Another folder (the output was a symlink into one): the bytes
            // are copied into a new output there; a rename cannot cross.
            Sink::Replace { file, .. } => {
                let err = |source| Error::Write {
                    path: path.to_path_buf(),
                    source,
                };
                file.flush().map_err(err)?;
                let mut bytes = file.get_ref().reopen().map_err(err)?;
                let mut out = Output::create(path)?;
                pump(&mut bytes, path, &mut |chunk| out.write_all(chunk))?;
                out.commit()
            }
            _ => Err(Error::Output {
                path: path.to_path_buf(),
                message: format!("cannot be written beside `{}`", self.given.display()),
            }),
        }
    }

    /// Finishes the output: a regular file's temp file gets the mode of the
    /// file it replaces (or 0644), is fsynced, checked to be replacing a
    /// regular file (or nothing), renamed over it and its folder fsynced; a
    /// written-through output is flushed.
    ///
    /// # Errors
    /// [`Error::Write`] naming the output; [`Error::Output`] when the target
    /// became something other than a regular file since it was opened.
    pub fn commit(self) -> Result<(), Error> {
        self.commit_hooked(&mut || {})
    }

    /// [`Output::commit`], calling `before_rename` once the temp file is
    /// durable and just before it is renamed (where a crash test stops).
    fn commit_hooked(self, before_rename: &mut dyn FnMut()) -> Result<(), Error> {
        let given = self.given;
        let err = |source| Error::Write {
            path: given.clone(),
            source,
        };
        match self.sink {
            Sink::Through { spool, mut dest } => {
                let mut spool = spool.into_inner().map_err(|e| err(e.into_error()))?;
                std::io::Seek::rewind(&mut spool).map_err(err)?;
                std::io::copy(&mut spool, &mut dest).map_err(err)?;
                dest.flush().map_err(err)
            }
            Sink::Stdout(mut o) => o.flush().map_err(err),
            Sink::Replace {
                file,
                target,
                mut syncer,
            } => {
                syncer.finish().map_err(err)?;
                let tmp = file.into_inner().map_err(|e| err(e.into_error()))?;
                keep_permissions(tmp.as_file(), &target).map_err(err)?;
                tmp.as_file().sync_all().map_err(err)?;
                if let Ok(m) = std::fs::symlink_metadata(&target)
                    && !m.is_file()
                {
                    return Err(Error::Output {
                        path: given.clone(),
                        message:
                            "stopped being a regular file while revmine wrote it; left as it is"
                                .into(),
                    });
                }
                before_rename();
                tmp.persist(&target).map_err(|e| err(e.error))?;
                sync_dir(parent_dir(&target)).map_err(err)
            }
        }
    }
}

/// Writes a copy of the file `from` to `to` by the output rules (replaced,
/// or written through), streamed: memory stays flat.
///
/// # Errors
/// [`Error::Read`] naming `from`; as [`Output::create`] and
/// [`Output::commit`] for `to`.
pub fn copy_to(from: &Path, to: &Path) -> Result<(), Error> {
    let mut src = File::open(from).map_err(|source| Error::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let mut out = Output::create(to)?;
    pump(&mut src, from, &mut |chunk| out.write_all(chunk))?;
    out.commit()
}

/// Where a replacement has got to, for crash tests: `"mid_output"` after each
/// line, `"before_rename"` once the new file is durable.
pub type Checkpoint<'a> = &'a mut dyn FnMut(&'static str);

/// Replaces the regular file `path` (absent: created) with its own bytes,
/// a newline if they lack a final one, then `lines`: an atomic append, for
/// an output that is read back (`run`), so only a regular file will do.
///
/// # Errors
/// [`Error::Output`] when `path` is not a regular file; [`Error::Read`] and
/// [`Error::Write`] naming it.
pub fn append_lines(path: &Path, lines: &[String], at: Checkpoint<'_>) -> Result<(), Error> {
    replace_target(path)?;
    let mut out = Output::create(path)?;
    match File::open(path) {
        Ok(mut old) => {
            let mut last = b'\n';
            pump(&mut old, path, &mut |chunk| {
                last = chunk.last().copied().unwrap_or(last);
                out.write_all(chunk)
            })?;
            if last != b'\n' {
                out.write_all(b"\n")?;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    for line in lines {
        out.line(line)?;
        at("mid_output");
    }
    out.commit_hooked(&mut || at("before_rename"))
}

/// Replaces the regular file `path` (absent: created) with exactly `lines`,
/// atomically: for an output that is read back (`run`), so only a regular
/// file will do.
///
/// # Errors
/// [`Error::Output`] when `path` is not a regular file; [`Error::Write`].
pub fn replace_lines(path: &Path, lines: &[String], at: Checkpoint<'_>) -> Result<(), Error> {
    replace_target(path)?;
    let mut out = Output::create(path)?;
    for line in lines {
        out.line(line)?;
        at("mid_output");
    }
    out.commit_hooked(&mut || at("before_rename"))
}

/// Replaces `to` with a copy of `from`, streamed (memory stays flat) into a
/// temp file beside `to`'s real file, fsynced, renamed over it, and the folder
/// fsynced. The bytes are hashed on the way: if they are not `expect` (the
/// file changed since it was judged), nothing is replaced.
///
/// # Errors
/// [`Error::Changed`] for changed bytes; [`Error::Output`] when `to` is not a
/// regular file; [`Error::Read`]/[`Error::Write`] naming the file.
pub fn copy_file(from: &Path, to: &Path, expect: &ContentHash) -> Result<(), Error> {
    replace_target(to)?;
    let mut src = File::open(from).map_err(|source| Error::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let mut out = Output::create(to)?;
    let mut hasher = ContentHasher::default();
    pump(&mut src, from, &mut |chunk| {
        hasher.update(chunk);
        out.write_all(chunk)
    })?;
    if hasher.finish() != *expect {
        return Err(Error::Changed {
            path: from.to_path_buf(),
        });
    }
    out.commit()
}

/// Reads `reader` (the file `path`) to its end in 256 KiB chunks, handing
/// each non-empty chunk to `sink`.
fn pump(
    reader: &mut impl std::io::Read,
    path: &Path,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut buf = vec![0u8; 256 << 10];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => sink(&buf[..n])?,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(Error::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}

/// Renames `from` over `to`'s real file (its symlinks followed; never over
/// anything but a regular file). `Ok(false)` when they are on different file
/// systems and a rename cannot do it.
///
/// # Errors
/// [`Error::Output`] when `to` is not a regular file; [`Error::Write`].
pub fn rename_into_place(from: &Path, to: &Path) -> Result<bool, Error> {
    let target = replace_target(to)?;
    match std::fs::rename(from, &target) {
        Ok(()) => {}
        // EXDEV: another file system; a rename cannot cross it.
        Err(e) if e.raw_os_error() == Some(18) => return Ok(false),
        Err(source) => {
            return Err(Error::Write {
                path: to.to_path_buf(),
                source,
            });
        }
    }
    sync_dir(parent_dir(&target)).map_err(|source| Error::Write {
        path: to.to_path_buf(),
        source,
    })?;
    Ok(true)
}

/// Flushes a folder's entries (a rename into it) to disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The folder a file is (to be) in; `.` for a bare name.
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temp file is created private (0600); the output it becomes should have
/// the mode the file it replaces had, or an ordinary file's 0644.
fn keep_permissions(tmp: &File, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    tmp.set_permissions(std::fs::Permissions::from_mode(mode))
}

/// Writes back a big output while it is still being produced. The final fsync
/// before the rename is what makes the output durable, but left alone it has
/// to push every dirty page at once (0.3 s for 218 MB here); a helper thread
/// that flushes as the file grows overlaps that with the work, and the writer
/// never waits on it.
struct Syncer {
    step: u64,
    written: u64,
    next: u64,
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// Bytes between background flushes.
const SYNC_STEP: u64 = 64 << 20;

impl Syncer {
    fn new(step: u64) -> Self {
        Syncer {
            step,
            written: 0,
            next: step,
            wake: None,
            thread: None,
        }
    }

    /// Counts `n` more bytes and, past each step, asks the helper to flush;
    /// a request while it is still busy is dropped, not queued.
    fn wrote(&mut self, n: usize, file: &tempfile::NamedTempFile) -> std::io::Result<()> {
        self.written += n as u64;
        if self.written < self.next {
            return Ok(());
        }
        self.next = self.written + self.step;
        if self.wake.is_none() {
            let handle = file.as_file().try_clone()?;
            let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
            self.thread = Some(std::thread::spawn(move || {
                while rx.recv().is_ok() {
                    handle.sync_data()?;
                }
                Ok(())
            }));
            self.wake = Some(tx);
        }
        if let Some(tx) = &self.wake {
            // Full means a flush is pending already; disconnected means the
            // helper stopped on an error, which `finish` reports.
            let _ = tx.try_send(());
        }
        Ok(())
    }

    /// Stops the helper and returns the first error it met.
    fn finish(&mut self) -> std::io::Result<()> {
        self.wake = None;
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tmpdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn entries(dir: &Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    #[test]
    fn a_regular_file_is_replaced_and_no_temp_file_is_left() {
        let dir = tmpdir();
        let p = dir.path().join("out.jsonl");
        write_file(&p, b"one\n").unwrap();
        write_file(&p, b"two\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two\n");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        assert_eq!(entries(dir.path()), 1);
    }

    #[test]
    fn the_mode_of_a_replaced_file_is_kept() {
        let dir = tmpdir();
        let p = dir.path().join("out.jsonl");
        std::fs::write(&p, b"old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_file(&p, b"new").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn an_uncommitted_output_leaves_the_old_file() {
        let dir = tmpdir();
        let p = dir.path().join("out.jsonl");
        write_file(&p, b"old\n").unwrap();
        let mut w = Output::create(&p).unwrap();
        w.line("new").unwrap();
        drop(w); // a failed run
        assert_eq!(std::fs::read(&p).unwrap(), b"old\n");
        assert_eq!(entries(dir.path()), 1, "the temp file is gone");
        let mut w = Output::create(&p).unwrap();
        w.line("a").unwrap();
        w.line("b").unwrap();
        w.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"a\nb\n");
    }

    #[test]
    fn a_symlink_stays_and_its_target_is_replaced() {
        let dir = tmpdir();
        let real = dir.path().join("data");
        std::fs::create_dir(&real).unwrap();
        let target = real.join("pairs.jsonl");
        std::fs::write(&target, b"old\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink("data/pairs.jsonl", &link).unwrap();
        assert_eq!(
            resolve(&link).unwrap(),
            Dest::Replace(dir.path().join("data/pairs.jsonl"))
        );
        write_file(&link, b"new\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new\n");
        assert_eq!(
            entries(&real),
            1,
            "the temp file was made beside the target"
        );
    }

    #[test]
    fn a_dangling_symlink_creates_its_target() {
        let dir = tmpdir();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink("made.jsonl", &link).unwrap();
        write_file(&link, b"x\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read(dir.path().join("made.jsonl")).unwrap(),
            b"x\n"
        );
    }

    #[test]
    fn a_symlink_loop_is_an_error_naming_the_path() {
        let dir = tmpdir();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", &b).unwrap();
        let e = Output::create(&a).err().unwrap().to_string();
        assert!(
            e.contains("symlinks") && e.contains(&*a.to_string_lossy()),
            "{e}"
        );
    }

    #[test]
    fn a_character_device_is_written_through_and_stays_a_device() {
        let null = Path::new("/dev/null");
        assert_eq!(
            resolve(null).unwrap(),
            Dest::Through {
                path: null.into(),
                append: false
            }
        );
        write_file(null, b"discarded\n").unwrap();
        assert!(
            std::fs::metadata(null)
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    #[test]
    fn a_fifo_is_written_through_and_the_reader_gets_every_byte() {
        let dir = tmpdir();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let mut w = Output::create(&fifo).unwrap();
        assert!(!w.replaces());
        for i in 0..10_000 {
            w.line(&format!("line {i}")).unwrap();
        }
        w.commit().unwrap();
        let got = reader.join().unwrap();
        assert_eq!(String::from_utf8(got).unwrap().lines().count(), 10_000);
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(entries(dir.path()), 1);
    }

    #[test]
    fn a_descriptor_link_is_written_through() {
        // /dev/fd/N and /proc/self/fd/N are the caller's open descriptors.
        match resolve(Path::new("/dev/stdout")).unwrap() {
            Dest::Through { .. } => {}
            d => panic!("/dev/stdout resolved to {d:?}"),
        }
        let dir = tmpdir();
        let p = dir.path().join("log");
        std::fs::write(&p, b"kept\n").unwrap();
        let f = File::options().append(true).open(&p).unwrap();
        use std::os::fd::AsRawFd;
        let via = PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
        assert_eq!(
            resolve(&via).unwrap(),
            Dest::Through {
                path: via.clone(),
                append: true
            }
        );
        write_file(&via, b"added\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"kept\nadded\n");
    }

    #[test]
    fn a_folder_and_a_socket_are_errors() {
        let dir = tmpdir();
        let e = Output::create(dir.path()).err().unwrap().to_string();
        assert!(e.contains("is a folder"), "{e}");
        let sock = dir.path().join("sock");
        let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let e = Output::create(&sock).err().unwrap().to_string();
        assert!(e.contains("is a socket"), "{e}");
        assert!(std::fs::metadata(&sock).unwrap().file_type().is_socket());
    }

    #[test]
    fn a_missing_folder_is_created() {
        let dir = tmpdir();
        let p = dir.path().join("data/deep/pairs.jsonl");
        write_file(&p, b"x\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x\n");
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_named_and_no_temp_file_is() {
        let dir = tmpdir();
        std::fs::write(dir.path().join("file"), b"").unwrap();
        let p = dir.path().join("file/sub/out.jsonl");
        let e = write_file(&p, b"x").unwrap_err().to_string();
        assert!(
            e.contains("file/sub") && e.contains("cannot create its folder"),
            "{e}"
        );
        assert!(!e.contains(".revmine-"), "{e}");
    }

    #[test]
    fn a_target_that_became_a_fifo_is_not_renamed_over() {
        let dir = tmpdir();
        let p = dir.path().join("out.jsonl");
        let mut w = Output::create(&p).unwrap();
        w.line("x").unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap();
        assert!(status.success());
        let e = w.commit().unwrap_err().to_string();
        assert!(e.contains("stopped being a regular file"), "{e}");
        assert!(std::fs::metadata(&p).unwrap().file_type().is_fifo());
        assert_eq!(entries(dir.path()), 1, "the temp file is gone");
    }

    #[test]
    fn append_and_replace_keep_a_symlink_and_refuse_a_fifo() {
        let dir = tmpdir();
        let d = dir.path();
        std::fs::write(d.join("real.jsonl"), b"a").unwrap();
        std::os::unix::fs::symlink("real.jsonl", d.join("out.jsonl")).unwrap();
        let mut points = Vec::new();
        let lines = ["b".to_string(), "c".to_string()];
        append_lines(&d.join("out.jsonl"), &lines, &mut |p| points.push(p)).unwrap();
        assert_eq!(std::fs::read(d.join("real.jsonl")).unwrap(), b"a\nb\nc\n");
        assert_eq!(points, ["mid_output", "mid_output", "before_rename"]);
        replace_lines(&d.join("out.jsonl"), &lines[1..], &mut |_| {}).unwrap();
        assert_eq!(std::fs::read(d.join("real.jsonl")).unwrap(), b"c\n");
        assert!(
            std::fs::symlink_metadata(d.join("out.jsonl"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        append_lines(&d.join("new/made.jsonl"), &lines, &mut |_| {}).unwrap();
        assert_eq!(std::fs::read(d.join("new/made.jsonl")).unwrap(), b"b\nc\n");
        let e = append_lines(Path::new("/dev/null"), &lines, &mut |_| {}).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn overlap_is_judged_by_identity_not_spelling() {
        let dir = tmpdir();
        let d = dir.path();
        let a = d.join("a.jsonl");
        std::fs::write(&a, b"{}\n").unwrap();
        std::fs::hard_link(&a, d.join("hard.jsonl")).unwrap();
        std::os::unix::fs::symlink("a.jsonl", d.join("sym.jsonl")).unwrap();
        let spelled = d.join("./x/../a.jsonl");
        std::fs::create_dir(d.join("x")).unwrap();
        for out in [
            a.clone(),
            d.join("hard.jsonl"),
            d.join("sym.jsonl"),
            spelled,
        ] {
            let e = refuse_overlap(d, &[&a], &[&out]).unwrap_err().to_string();
            assert!(e.contains("same file as an input"), "{e}");
        }
        let e = refuse_overlap(d, &[], &[&a, &d.join("sym.jsonl")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("another output"), "{e}");
        let new = d.join("new.jsonl");
        refuse_overlap(d, &[&a], &[&new, Path::new("-"), Path::new("/dev/null")]).unwrap();
        // relative spellings are taken from `cwd` and reported as given
        let e = refuse_overlap(d, &[Path::new("a.jsonl")], &[Path::new("./sym.jsonl")])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("output `./sym.jsonl` is the same file as an input `a.jsonl`"),
            "{e}"
        );
        refuse_overlap(d, &[Path::new("/dev/null")], &[Path::new("/dev/null")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"{}\n");
    }

    #[test]
    fn background_flushes_leave_every_line_in_order() {
        let dir = tmpdir();
        let p = dir.path().join("big.jsonl");
        let mut w = Output::create(&p).unwrap();
        if let Sink::Replace { syncer, .. } = &mut w.sink {
            *syncer = Syncer::new(4096);
        }
        let line = "x".repeat(999);
        for _ in 0..500 {
            w.line(&line).unwrap();
        }
        match &w.sink {
            Sink::Replace { syncer, .. } => assert!(syncer.thread.is_some(), "the helper started"),
            _ => panic!("a regular file is replaced"),
        }
        w.commit().unwrap();
        let got = std::fs::read_to_string(&p).unwrap();
        assert_eq!(got.len(), 500 * 1000);
        assert!(got.lines().all(|l| l == line));
    }

    #[test]
    fn a_copy_lands_only_when_its_bytes_are_the_ones_judged() {
        let dir = tmpdir();
        let (from, to) = (dir.path().join("new.jsonl"), dir.path().join("train.jsonl"));
        std::fs::write(&from, b"new\n").unwrap();
        std::fs::write(&to, b"old\n").unwrap();
        let e = copy_file(&from, &to, &ContentHash::of_bytes(b"other\n")).unwrap_err();
        assert!(matches!(e, Error::Changed { .. }), "{e}");
        assert_eq!(std::fs::read(&to).unwrap(), b"old\n");
        assert_eq!(entries(dir.path()), 2, "no temp file left");
        copy_file(&from, &to, &ContentHash::of_bytes(b"new\n")).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), b"new\n");
        assert_eq!(std::fs::read(&from).unwrap(), b"new\n");
        let e = copy_file(
            &from,
            Path::new("/dev/null"),
            &ContentHash::of_bytes(b"new\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }

    /// The lint behind "only regular files are replaced": outside this
    /// module, no source file renames or creates temp files for output.
    #[test]
    fn no_writer_bypasses_this_module() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let forbidden = [".persist(", "fs::rename(", "tempfile_in(", "NamedTempFile"];
        // (file, pattern, why it is allowed)
        let allowed: &[(&str, &str)] = &[
            // The hook keeps the user's hook under a new name; `hook` owns that.
            ("hook/mod.rs", "fs::rename("),
        ];
        let mut bad = Vec::new();
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let name = p.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
                if name == "output.rs" || p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                for (n, line) in text.lines().enumerate() {
                    for f in forbidden {
                        if line.contains(f) && !allowed.contains(&(name.as_str(), f)) {
                            bad.push(format!("{}:{}: {}", p.display(), n + 1, line.trim()));
                        }
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "write through crate::output instead:\n{}",
            bad.join("\n")
        );
    }
}
