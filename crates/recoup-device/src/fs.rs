//! The one way the device replaces a file: a temp file beside it, written and fsynced, renamed
//! over the old one, then the folder fsynced so the rename itself survives a power cut. A crash
//! leaves the old file or the new one, never half of either. Private files (tokens,
//! credentials) are created readable by the owner only, so no copy is ever world-readable.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Who may read a file written with [`write_atomically`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The owner only (mode 0600 on Unix): tokens and credentials.
    Private,
    /// As the process's umask says: settings, cached outputs.
    Shared,
}

/// Replaces `path` with `bytes` atomically (temp file, fsync, rename, fsync of the folder).
///
/// ```
/// use recoup_device::fs::{Access, write_atomically};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("token");
/// write_atomically(&path, b"secret", Access::Private)?;
/// write_atomically(&path, b"newer", Access::Private)?;
/// assert_eq!(std::fs::read(&path)?, b"newer");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_atomically(path: &Path, bytes: &[u8], access: Access) -> std::io::Result<()> {
    let tmp = temp_path(path);
    // A temp file left by a crash is stale: start over (create_new below refuses to reuse it,
    // so a file someone else made there is never written through).
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if access == Access::Private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    #[cfg(unix)]
    if access == Access::Private {
        // The file replaced may have been wider open: the name now points at the new file,
        // whose mode was set at creation, but say it again in case the umask was odd.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    sync_folder(path)
}

/// [`write_atomically`], failing with a [`DeviceError`](crate::DeviceError) that names the file.
pub fn save(path: &Path, bytes: &[u8], access: Access) -> crate::DeviceResult<()> {
    write_atomically(path, bytes, access).map_err(|e| crate::DeviceError::file(path, e))
}

/// `settings.json` -> `settings.json.tmp` (the whole name kept, so `a.json` and `a.txt` never
/// share a temp file).
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Fsyncs the folder holding `path`, so the rename is durable. Only Unix can open a folder for
/// this; elsewhere the rename is as durable as the OS makes it.
fn sync_folder(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(folder)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_file_is_readable_by_its_owner_only_even_when_it_replaces_an_open_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        std::fs::write(&path, b"old").unwrap();
        write_atomically(&path, b"new", Access::Private).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new", "the new content");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "readable by the owner only");
        }
        assert!(
            !dir.path().join("credentials.json.tmp").exists(),
            "no temp file is left behind"
        );
    }

    #[test]
    fn a_stale_temp_file_from_a_crash_does_not_block_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(dir.path().join("settings.json.tmp"), b"half").unwrap();
        write_atomically(&path, b"{}", Access::Shared).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}", "written whole");
    }
}
