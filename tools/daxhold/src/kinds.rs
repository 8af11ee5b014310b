// SPDX-License-Identifier: GPL-2.0

//! The words the module's files carry as kinds, modes, results and flags,
//! as enums: each spelled in JSON exactly as the kernel file spells it.
//! A word this tool does not know (a newer module's) is kept as `Other`
//! where the record is still useful without understanding it; record
//! kinds the tool does not know are skipped instead (see `parse_kind`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An enum of kernel words: `as_str()` is the kernel's spelling, which is
/// also the JSON string; `from_word()` reads one. With `other`, unknown
/// words are kept in `Other(String)`; without it, `from_word()` returns
/// `None` for them.
macro_rules! words {
    (
        $(#[$m:meta])*
        $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal,)+ }
    ) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vm])* $v,)+
        }

        impl $name {
            /// Every value, in declaration order.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$v,)+];

            /// The kernel's (and the JSON's) spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $s,)+
                }
            }

            /// The value spelled `w`, if this tool knows it.
            pub fn from_word(w: &str) -> Option<$name> {
                match w {
                    $($s => Some($name::$v),)+
                    _ => None,
                }
            }
        }

        words!(@common $name);
    };
    (
        $(#[$m:meta])*
        $name:ident other { $($(#[$vm:meta])* $v:ident = $s:literal,)+ }
    ) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vm])* $v,)+
            /// A word this tool does not know, as the module wrote it.
            Other(String),
        }

        impl $name {
            /// The kernel's (and the JSON's) spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$v => $s,)+
                    $name::Other(w) => w,
                }
            }

            /// The value spelled `w` (`Other` if this tool does not know it).
            pub fn from_word(w: &str) -> $name {
                match w {
                    $($s => $name::$v,)+
                    _ => $name::Other(w.to_string()),
                }
            }
        }

        words!(@common $name);
    };
    (@common $name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let w = String::deserialize(d)?;
                words!(@de $name, w)
            }
        }
    };
    (@de $name:ident, $w:ident) => {
        $name::parse_word(&$w).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown {} {:?}", stringify!($name), $w))
        })
    };
}

/// `from_word()` as an `Option` for both flavours, for `Deserialize`.
trait ParseWord: Sized {
    fn parse_word(w: &str) -> Option<Self>;
}

words! {
    /// The kind of a device in `daxhold status` (`held` records are
    /// `pmem`; `dev` records say `kind=`).
    DevKind other {
        /// A held pmem disk.
        Pmem = "pmem",
        /// A partition.
        Part = "part",
        /// A device-mapper device.
        Dm = "dm",
    }
}

words! {
    /// How daxhold came to hold a pmem disk (`held ... mode=`).
    Mode other {
        /// Taken by the attach policy.
        Auto = "auto",
        /// Named by `devices=` or `attach`.
        Manual = "manual",
    }
}

words! {
    /// The target of a `map` edge.
    Target other {
        /// A partition of its disk.
        Part = "part",
        /// dm-linear.
        Linear = "linear",
        /// One stripe of dm-striped.
        Striped = "striped",
    }
}

words! {
    /// What the holder of a piece at the top of the stack did with it.
    TopResult other {
        /// Its holder took it.
        Handled = "handled",
        /// No holder, or it declined: the reverse map's.
        Declined = "declined",
        /// Its holder failed.
        Failed = "failed",
    }
}

words! {
    /// A SIGBUS's si_code: `AR` (BUS_MCEERR_AR) or `AO` (BUS_MCEERR_AO).
    SigCode other {
        /// The task touched the poison.
        Ar = "AR",
        /// An early-kill task mapping it.
        Ao = "AO",
    }
}

words! {
    /// The kernel's `mf_flags` bits (include/linux/mm.h, 6.12).
    MfFlag other {
        CountIncreased = "MF_COUNT_INCREASED",
        ActionRequired = "MF_ACTION_REQUIRED",
        MustKill = "MF_MUST_KILL",
        SoftOffline = "MF_SOFT_OFFLINE",
        Unpoison = "MF_UNPOISON",
        SwSimulated = "MF_SW_SIMULATED",
        NoRetry = "MF_NO_RETRY",
        MemPreRemove = "MF_MEM_PRE_REMOVE",
    }
}

impl MfFlag {
    /// Its bit in `mf_flags` (0 for an unknown one).
    pub fn bit(&self) -> u64 {
        match self {
            MfFlag::CountIncreased => 1 << 0,
            MfFlag::ActionRequired => 1 << 1,
            MfFlag::MustKill => 1 << 2,
            MfFlag::SoftOffline => 1 << 3,
            MfFlag::Unpoison => 1 << 4,
            MfFlag::SwSimulated => 1 << 5,
            MfFlag::NoRetry => 1 << 6,
            MfFlag::MemPreRemove => 1 << 7,
            MfFlag::Other(_) => 0,
        }
    }

    /// The flags set in `mf`, lowest bit first.
    pub fn from_bits(mf: u64) -> Vec<MfFlag> {
        [
            MfFlag::CountIncreased,
            MfFlag::ActionRequired,
            MfFlag::MustKill,
            MfFlag::SoftOffline,
            MfFlag::Unpoison,
            MfFlag::SwSimulated,
            MfFlag::NoRetry,
            MfFlag::MemPreRemove,
        ]
        .into_iter()
        .filter(|f| mf & f.bit() != 0)
        .collect()
    }
}

words! {
    /// The record kinds of /proc/fs/daxhold/stack.
    StackKind {
        Held = "held",
        Dev = "dev",
        Map = "map",
        Fs = "fs",
    }
}

words! {
    /// The record kinds of /proc/fs/daxhold/events this tool reads.
    EventKind {
        Failure = "failure",
        Top = "top",
        Owner = "owner",
        Signal = "signal",
        Result = "result",
        Unmapped = "unmapped",
        Whole = "whole",
        Metadata = "metadata",
        Unowned = "unowned",
        PreRemoveOwners = "pre_remove_owners",
        Notours = "notours",
        Nostack = "nostack",
        Stopped = "stopped",
    }
}

words! {
    /// The record kinds of /proc/fs/daxhold/poison.
    PoisonKind {
        Bad = "bad",
        Top = "top",
        File = "file",
        Metadata = "metadata",
        Unowned = "unowned",
        Unmapped = "unmapped",
    }
}

macro_rules! parse_word_closed {
    ($($t:ident),+) => {$(
        impl ParseWord for $t {
            fn parse_word(w: &str) -> Option<Self> {
                $t::from_word(w)
            }
        }
    )+};
}

macro_rules! parse_word_open {
    ($($t:ident),+) => {$(
        impl ParseWord for $t {
            fn parse_word(w: &str) -> Option<Self> {
                Some($t::from_word(w))
            }
        }
    )+};
}

parse_word_closed!(StackKind, EventKind, PoisonKind);
parse_word_open!(DevKind, Mode, Target, TopResult, SigCode, MfFlag);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_word(k.as_str()), Some(*k));
            let j = serde_json::to_string(k).unwrap();
            assert_eq!(j, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<EventKind>(&j).unwrap(), *k);
        }
        assert_eq!(EventKind::from_word("brand_new"), None);
        assert!(serde_json::from_str::<EventKind>("\"brand_new\"").is_err());
        assert_eq!(
            serde_json::to_string(&DevKind::Other("md".into())).unwrap(),
            "\"md\""
        );
        assert_eq!(
            serde_json::from_str::<SigCode>("\"AR\"").unwrap(),
            SigCode::Ar
        );
        assert_eq!(Target::from_word("striped"), Target::Striped);
        assert_eq!(Mode::from_word("auto").to_string(), "auto");
        assert_eq!(PoisonKind::from_word("file"), Some(PoisonKind::File));
        assert_eq!(StackKind::ALL.len(), 4);
    }

    #[test]
    fn mf_flags() {
        assert_eq!(
            MfFlag::from_bits(0x23),
            [
                MfFlag::CountIncreased,
                MfFlag::ActionRequired,
                MfFlag::SwSimulated
            ]
        );
        assert_eq!(MfFlag::from_bits(0x80), [MfFlag::MemPreRemove]);
        assert!(MfFlag::from_bits(0).is_empty());
        assert_eq!(MfFlag::from_word("MF_FUTURE").bit(), 0);
    }
}
