//! Filesystems of the test's own, mounted in a temp dir, that fail under a running endpoint or
//! device with real errors from the kernel, no mock: a small tmpfs to fill up (`ENOSPC`), and an
//! ext4 image on a loop device whose disk "fails" (ext4's own error path, which turns it
//! read-only under open files: `EROFS` on every write, as a dying disk does). Mounting needs
//! root (as `scripts/test.sh` and CI run); elsewhere the test says so.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs; unmounted when dropped.
pub struct SmallDisk {
    /// Where it is mounted.
    pub path: PathBuf,
    filler: PathBuf,
    _dir: tempfile::TempDir,
}

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {args:?}: {} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl SmallDisk {
    /// Mounts a tmpfs of `size_kib` KiB.
    pub fn mount(size_kib: u64) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).expect("mount point");
        let opts = format!("size={size_kib}k,mode=0700");
        let target = path.to_str().expect("utf-8 temp path");
        if let Err(e) = run("mount", &["-t", "tmpfs", "-o", &opts, "tmpfs", target]) {
            panic!(
                "the storage fault tests mount a small tmpfs of their own and need root for it \
                 (scripts/test.sh and CI run as root): {e}"
            );
        }
        Self {
            filler: path.join("filler"),
            path,
            _dir: dir,
        }
    }

    /// Fills the disk to the last byte with a filler file; returns the bytes written. Panics
    /// unless the disk ends full (`ENOSPC`).
    pub fn fill(&self) -> u64 {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.filler)
            .expect("filler file");
        let chunk = vec![0xa5u8; 4096];
        let mut written = 0u64;
        loop {
            match f.write(&chunk) {
                Ok(0) => panic!("the disk took no more bytes without saying it is full"),
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => panic!("filling the disk failed otherwise than ENOSPC: {e}"),
            }
        }
        // Single bytes too, so no partial page is left free.
        while f.write(&[0]).is_ok_and(|n| n == 1) {
            written += 1;
        }
        written
    }

    /// Gives the filler's space back.
    pub fn free(&self) {
        std::fs::remove_file(&self.filler).expect("remove the filler");
    }

    /// A path on the disk.
    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path.join(p)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: a file still open (an endpoint not yet stopped) does not keep it mounted.
        let _ = run("umount", &["-l", self.path.to_str().unwrap_or_default()]);
    }
}

/// An ext4 filesystem on a loop device, mounted `errors=remount-ro`; [`FailingDisk::fail`]
/// makes ext4 record an error, after which every write fails with `EROFS` until it is checked
/// and mounted again ([`FailingDisk::repair`]), as after a real disk error.
pub struct FailingDisk {
    /// Where it is mounted.
    pub path: PathBuf,
    image: PathBuf,
    _dir: tempfile::TempDir,
}

impl FailingDisk {
    /// Makes and mounts a 32 MiB ext4 image.
    pub fn mount() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let image = dir.path().join("disk.img");
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).expect("mount point");
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(32 * 1024 * 1024))
            .expect("disk image");
        let img = image.to_str().expect("utf-8 temp path");
        run("mkfs.ext4", &["-q", "-F", img]).expect("mkfs.ext4 (e2fsprogs) makes the image");
        let disk = Self {
            path,
            image,
            _dir: dir,
        };
        disk.attach();
        disk
    }

    fn attach(&self) {
        let img = self.image.to_str().expect("utf-8 temp path");
        let target = self.path.to_str().expect("utf-8 temp path");
        if let Err(e) = run("mount", &["-o", "loop,errors=remount-ro", img, target]) {
            panic!(
                "the storage fault tests mount an ext4 image on a loop device and need root \
                 and loop devices for it (scripts/test.sh and CI run as root): {e}"
            );
        }
    }

    /// The disk fails: ext4 records an error and turns read-only under every open file.
    pub fn fail(&self) {
        let target = self.path.to_str().expect("utf-8 temp path");
        let out = Command::new("findmnt")
            .args(["-n", "-o", "SOURCE", target])
            .output()
            .expect("findmnt");
        let source = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let name = Path::new(&source)
            .file_name()
            .expect("a loop device")
            .to_string_lossy()
            .into_owned();
        std::fs::write(
            format!("/sys/fs/ext4/{name}/trigger_fs_error"),
            "recoup storage fault test",
        )
        .expect("trigger an ext4 error");
    }

    /// What an operator does after a disk error: unmount (every file closed first), check the
    /// filesystem, mount it again.
    pub fn repair(&self) {
        let target = self.path.to_str().expect("utf-8 temp path");
        run("umount", &[target]).expect("unmount the failed disk");
        let img = self.image.to_str().expect("utf-8 temp path");
        // e2fsck exits 1 when it fixed something: fine here.
        let out = Command::new("e2fsck")
            .args(["-f", "-y", img])
            .output()
            .expect("e2fsck");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "e2fsck repairs the image: {out:?}"
        );
        self.attach();
    }

    /// A path on the disk.
    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path.join(p)
    }
}

impl Drop for FailingDisk {
    fn drop(&mut self) {
        let _ = run("umount", &["-l", self.path.to_str().unwrap_or_default()]);
    }
}
