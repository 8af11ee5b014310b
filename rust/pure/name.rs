// SPDX-License-Identifier: GPL-2.0

//! Parsing the block device names written to daxhold's controls.
//!
//! `attach`, `detach` and the `devices=` module parameter take a block
//! device as a path (`/dev/pmem0`) or a bare name (`pmem0`, meaning
//! `/dev/pmem0`). One trailing newline (from `echo`) is ignored.

/// Longest accepted input (name or path), in bytes, without a newline.
pub const NAME_MAX_LEN: usize = 255;

use crate::pure::errname::{EINVAL, ENAMETOOLONG};
use crate::pure::nopanic::copy;

const DEV_PREFIX: &[u8] = b"/dev/";

/// Longest resulting path: a bare name of [`NAME_MAX_LEN`] under `/dev/`.
const PATH_MAX_LEN: usize = NAME_MAX_LEN + DEV_PREFIX.len();

/// Why a device name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// Nothing given.
    Empty,
    /// Longer than [`NAME_MAX_LEN`].
    TooLong,
    /// A space.
    Space,
    /// A byte that is not printable ASCII (a control byte, DEL, or a byte
    /// above 0x7f).
    NonPrintable,
    /// A bare name (not starting with `/`) with a `/` in it.
    Slash,
}

impl NameError {
    /// The negative errno for this error.
    pub fn errno(self) -> i32 {
        match self {
            NameError::TooLong => -ENAMETOOLONG,
            NameError::Empty | NameError::Space | NameError::NonPrintable | NameError::Slash => {
                -EINVAL
            }
        }
    }

    /// What is wrong, for the one dmesg line.
    pub fn what(self) -> &'static str {
        match self {
            NameError::Empty => "empty device name",
            NameError::TooLong => "device name longer than 255 bytes",
            NameError::Space => "a space in the device name",
            NameError::NonPrintable => "a non-printable byte in the device name",
            NameError::Slash => "a bare name with a slash (a path starts with /)",
        }
    }
}

/// A NUL-terminated device path, ready for `bdev_file_open_by_path()`.
#[derive(Clone)]
pub struct DevPath {
    buf: [u8; PATH_MAX_LEN + 1],
    len: usize,
}

impl DevPath {
    /// The path without the NUL.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// The path with its terminating NUL.
    pub fn as_bytes_with_nul(&self) -> &[u8] {
        self.buf.get(..=self.len).unwrap_or(&[])
    }

    /// The path as text (always ASCII: `parse()` accepts nothing else).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or("?")
    }

    /// The last path component (`pmem0` for `/dev/pmem0`).
    pub fn basename(&self) -> &[u8] {
        let p = self.as_bytes();
        match p.iter().rposition(|&b| b == b'/') {
            Some(i) => p.get(i + 1..).unwrap_or(&[]),
            None => p,
        }
    }
}

/// Parse one device name or path.
pub fn parse(input: &[u8]) -> Result<DevPath, NameError> {
    let s = input.strip_suffix(b"\n").unwrap_or(input);
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    if s.len() > NAME_MAX_LEN {
        return Err(NameError::TooLong);
    }
    if let Some(&b) = s.iter().find(|b| !b.is_ascii_graphic()) {
        return Err(if b == b' ' {
            NameError::Space
        } else {
            NameError::NonPrintable
        });
    }
    let prefix: &[u8] = if s.first() == Some(&b'/') {
        b""
    } else if s.contains(&b'/') {
        return Err(NameError::Slash);
    } else {
        DEV_PREFIX
    };
    let len = prefix.len() + s.len();
    let mut path = DevPath {
        buf: [0; PATH_MAX_LEN + 1],
        len,
    };
    // `get_mut` rather than `split_at_mut*`: no panic path, and within the
    // kernel's minimum Rust (1.78).
    // `nopanic::copy`, not `copy_from_slice`: the lengths match, but its
    // mismatch panic would still be in the module.
    copy(
        path.buf.get_mut(..prefix.len()).ok_or(NameError::TooLong)?,
        prefix,
    );
    copy(
        path.buf
            .get_mut(prefix.len()..len)
            .ok_or(NameError::TooLong)?,
        s,
    );
    Ok(path)
}

/// The items of a comma-separated list (the `devices=` parameter).
/// Empty items are kept so that `parse()` reports them.
pub fn split_list(list: &[u8]) -> impl Iterator<Item = &[u8]> {
    let list = list.strip_suffix(b"\n").unwrap_or(list);
    list.split(|&b| b == b',').filter(move |_| !list.is_empty())
}

/// Most bytes of a bad value [`Shown`] puts in an error line.
pub const SHOWN_MAX: usize = 32;

/// A bad value written to a control, for its error line: quoted, one
/// trailing newline dropped, at most [`SHOWN_MAX`] bytes (then `...` after
/// the closing quote), printable ASCII as is and every other byte, `"` and
/// `\` as `\xNN`, so that one write is one line that cannot be forged.
pub struct Shown<'a>(pub &'a [u8]);

impl core::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use core::fmt::Write;
        let bytes = self.0.strip_suffix(b"\n").unwrap_or(self.0);
        let head = bytes.get(..SHOWN_MAX).unwrap_or(bytes);
        f.write_char('"')?;
        for &b in head {
            match b {
                b'"' | b'\\' => write!(f, "\\x{b:02x}")?,
                0x20..=0x7e => f.write_char(char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        f.write_char('"')?;
        if bytes.len() > SHOWN_MAX {
            f.write_str("...")?;
        }
        Ok(())
    }
}
