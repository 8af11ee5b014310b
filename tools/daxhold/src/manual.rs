// SPDX-License-Identifier: GPL-2.0

//! The man pages (clap_mangen) and shell completions (clap_complete) of
//! the command line in src/cli.rs, for `daxhold-gen` (`make tool` writes
//! them under build/tool/) and the tests.

use std::fs;
use std::io;
use std::path::Path;

use clap::{Command, CommandFactory};
use clap_complete::Shell;

/// A generated file: its name and contents.
pub type Page = (String, Vec<u8>);

/// The shells completions are made for, and their files' names.
pub const SHELLS: [(Shell, &str); 3] = [
    (Shell::Bash, "daxhold.bash"),
    (Shell::Zsh, "_daxhold"),
    (Shell::Fish, "daxhold.fish"),
];

/// The command, built as clap_mangen's `generate_to` builds it (no
/// `help` subcommand, subcommands named `daxhold-status` and so on).
fn command() -> Command {
    let mut cmd = crate::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// `daxhold.1`, then a page per visible subcommand (`daxhold-status.1`).
pub fn man_pages() -> io::Result<Vec<Page>> {
    let cmd = command();
    let mut out = Vec::new();
    let subs: Vec<Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    for c in std::iter::once(cmd).chain(subs) {
        let man = clap_mangen::Man::new(c);
        let mut text = Vec::new();
        man.render(&mut text)?;
        out.push((man.get_filename(), text));
    }
    Ok(out)
}

/// The completion scripts, one per shell in [`SHELLS`].
pub fn completions() -> Vec<Page> {
    SHELLS
        .iter()
        .map(|(shell, file)| {
            let mut text = Vec::new();
            clap_complete::generate(
                *shell,
                &mut crate::cli::Cli::command(),
                "daxhold",
                &mut text,
            );
            (file.to_string(), text)
        })
        .collect()
}

/// Write the man pages to `dir/man/` and the completions to
/// `dir/completions/`; the paths written.
pub fn write_all(dir: &Path) -> io::Result<Vec<String>> {
    let mut written = Vec::new();
    for (sub, pages) in [("man", man_pages()?), ("completions", completions())] {
        let d = dir.join(sub);
        fs::create_dir_all(&d)?;
        for (name, text) in pages {
            let p = d.join(name);
            fs::write(&p, text)?;
            written.push(p.display().to_string());
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_render() {
        let pages = man_pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "daxhold.1",
                "daxhold-status.1",
                "daxhold-events.1",
                "daxhold-report.1"
            ]
        );
        let main = String::from_utf8_lossy(&pages[0].1);
        assert!(main.starts_with(".ie"), "roff: {main}");
        for w in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH SUBCOMMANDS",
            "daxhold\\-status(1)",
        ] {
            assert!(main.contains(w), "daxhold.1 lacks {w}:\n{main}");
        }
        for sub in crate::cli::Cli::command().get_subcommands() {
            let name = sub.get_name();
            assert!(main.contains(name), "daxhold.1 lacks {name}");
        }
        assert!(!main.contains("\\-\\-root"), "--root is hidden");
        let ev = String::from_utf8_lossy(&pages[2].1);
        for w in [".SH NAME", ".SH SYNOPSIS", "\\-\\-json", "\\-\\-last"] {
            assert!(ev.contains(w), "daxhold-events.1 lacks {w}:\n{ev}");
        }
    }

    #[test]
    fn completions_for_each_shell() {
        let c = completions();
        assert_eq!(c.len(), 3);
        for ((name, text), want) in
            c.iter()
                .zip(["_daxhold()", "#compdef daxhold", "complete -c daxhold"])
        {
            let t = String::from_utf8_lossy(text);
            assert!(t.contains(want), "{name} lacks {want}:\n{t}");
            for sub in ["status", "events", "report", "json", "last", "no-paths"] {
                assert!(t.contains(sub), "{name} lacks {sub}");
            }
        }
    }

    #[test]
    fn writes_files() {
        let d = std::env::temp_dir().join(format!("daxhold-manual-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        let w = write_all(&d).unwrap();
        assert_eq!(w.len(), 7);
        for f in [
            "man/daxhold.1",
            "man/daxhold-report.1",
            "completions/daxhold.bash",
            "completions/_daxhold",
            "completions/daxhold.fish",
        ] {
            assert!(d.join(f).is_file(), "{f}");
        }
        fs::remove_dir_all(&d).unwrap();
    }
}
