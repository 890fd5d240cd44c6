//! Making failures visible by default.
//!
//! Electrode logs through `tracing`. But an application that never installed a subscriber would
//! see nothing at all: a listener's `Err`, a renderer closed for hostile input, a message on a
//! channel nobody listens to. So warnings and errors go to `tracing` when a global subscriber is
//! set, and otherwise to standard error, one line each (`ELECTRODE_LOG=off` silences that
//! fallback). Caught listener panics print one line, not the default panic message and
//! backtrace beside it.

use std::cell::Cell;
use std::fmt;
use std::sync::{Once, OnceLock};

/// Whether warnings go to `tracing` (a global subscriber is set) rather than to standard error.
#[doc(hidden)]
pub fn to_tracing() -> bool {
    tracing::dispatcher::has_been_set()
}

/// Whether the standard-error fallback is on (`ELECTRODE_LOG=off` turns it off), read once.
fn fallback_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("ELECTRODE_LOG").map_or(true, |v| v != "off"))
}

/// Writes one warning or error line to standard error (no subscriber is set).
#[doc(hidden)]
pub fn to_stderr(level: &str, fields: &[(&str, &dyn fmt::Display)], message: fmt::Arguments) {
    if !fallback_on() {
        return;
    }
    use std::fmt::Write as _;
    let mut line = format!("electrode {}", level.to_ascii_uppercase());
    for (k, v) in fields {
        let _ = write!(line, " {k}={v}");
    }
    let _ = writeln!(line, ": {message}");
    // One write per line, so lines from several threads do not interleave.
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `tracing::warn!` / `tracing::error!` that fall back to standard error when no subscriber is
/// installed, so a user sees failures by default. Fields are `name = value` pairs (Display).
#[doc(hidden)]
#[macro_export]
macro_rules! __report {
    ($level:ident, $($k:ident = $v:expr,)* $fmt:literal $($arg:tt)*) => {{
        if $crate::report::to_tracing() {
            $crate::report::__tracing::$level!($($k = $v,)* $fmt $($arg)*);
        } else {
            $crate::report::to_stderr(
                stringify!($level),
                &[$((stringify!($k), &$v as &dyn ::std::fmt::Display)),*],
                format_args!($fmt $($arg)*),
            );
        }
    }};
}

/// A warning users see by default (see the module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! warn_visible {
    ($($t:tt)*) => { $crate::__report!(warn, $($t)*) };
}

/// An error users see by default (see the module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! error_visible {
    ($($t:tt)*) => { $crate::__report!(error, $($t)*) };
}

#[doc(hidden)]
pub use tracing as __tracing;

thread_local! {
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static LOCATION: Cell<Option<String>> = const { Cell::new(None) };
}

#[doc(hidden)]
/// Runs a listener or hook `f`, catching a panic; the panic hook prints nothing for it (the caller reports it in
/// one line), and the returned text carries the panic's message and source location.
pub fn catch_panic<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_quiet_hook();
    let was = CATCHING.with(|c| c.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    outcome.map_err(|panic| {
        let message = panic_text(&panic);
        match LOCATION.with(|l| l.take()) {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        }
    })
}

fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(|c| c.get()) {
                let at = info.location().map(|l| l.to_string());
                LOCATION.with(|l| l.set(at));
            } else {
                previous(info);
            }
        }));
    });
}

/// The message of a caught panic.
#[doc(hidden)]
pub fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_names_its_message_and_location() {
        let err = catch_panic(|| panic!("boom {}", 7)).unwrap_err();
        assert!(err.starts_with("boom 7 (at "), "{err}");
        assert!(err.contains("report.rs"), "{err}");
        assert_eq!(catch_panic(|| 5), Ok(5));
    }
}
