//! The listener table: Node `EventEmitter` semantics.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use electrode_wire::emitter::{Emitter, ListenerId};

type Listener = dyn Fn(&str) + Send + Sync;
type Table = Emitter<Listener>;
type Log = Arc<Mutex<Vec<String>>>;

fn log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

fn taken(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

/// A listener that records `name:payload`.
fn recorder(log: &Log, name: &str) -> Box<Listener> {
    let log = log.clone();
    let name = name.to_string();
    Box::new(move |p| log.lock().unwrap().push(format!("{name}:{p}")))
}

fn emit(t: &Table, channel: &str, payload: &str) -> usize {
    t.emit(channel, |l| l(payload))
}

/// An emitter that its own listeners can reach (for re-entrant calls).
fn shared() -> Arc<OnceLock<Arc<Table>>> {
    let cell = Arc::new(OnceLock::new());
    cell.set(Arc::new(Table::new("test"))).ok().unwrap();
    cell
}

#[test]
fn listeners_run_in_registration_order() {
    let t = Table::new("test");
    let l = log();
    t.add("ch", false, recorder(&l, "a"));
    t.add("ch", true, recorder(&l, "b"));
    t.add("other", false, recorder(&l, "x"));
    t.add("ch", false, recorder(&l, "c"));
    assert_eq!(emit(&t, "ch", "1"), 3);
    assert_eq!(taken(&l), ["a:1", "b:1", "c:1"]);
    // The once listener is gone; order of the rest is kept.
    assert_eq!(emit(&t, "ch", "2"), 2);
    assert_eq!(taken(&l), ["a:2", "c:2"]);
    assert_eq!(emit(&t, "nobody", "3"), 0);
    assert!(taken(&l).is_empty());
}

#[test]
fn the_same_listener_twice_runs_twice() {
    let t = Table::new("test");
    let n = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let n = n.clone();
        t.add(
            "ch",
            false,
            Box::new(move |_| {
                n.fetch_add(1, Ordering::SeqCst);
            }),
        );
    }
    emit(&t, "ch", "");
    assert_eq!(n.load(Ordering::SeqCst), 2);
}

#[test]
fn once_is_removed_before_it_runs() {
    let cell = shared();
    let t = cell.get().unwrap().clone();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen_count = Arc::new(Mutex::new(Vec::new()));
    {
        let cell = cell.clone();
        let calls = calls.clone();
        let seen_count = seen_count.clone();
        t.add(
            "ch",
            true,
            Box::new(move |p| {
                calls.fetch_add(1, Ordering::SeqCst);
                let t = cell.get().unwrap();
                // Already unregistered while it runs.
                seen_count.lock().unwrap().push(t.count("ch"));
                // Re-entering emit does not call it again.
                if p == "outer" {
                    emit(t, "ch", "inner");
                }
            }),
        );
    }
    let l = log();
    t.add("ch", false, recorder(&l, "b"));
    assert_eq!(emit(&t, "ch", "outer"), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(*seen_count.lock().unwrap(), [1]);
    // The inner emit reached the remaining listener first, then the outer one did.
    assert_eq!(taken(&l), ["b:inner", "b:outer"]);
    assert_eq!(t.count("ch"), 1);
    emit(&t, "ch", "again");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    t.remove_all(None);
}

#[test]
fn once_fires_once_under_concurrent_emits() {
    let t = Arc::new(Table::new("test"));
    let calls = Arc::new(AtomicUsize::new(0));
    for _ in 0..50 {
        let c = calls.clone();
        t.add(
            "ch",
            true,
            Box::new(move |_| {
                c.fetch_add(1, Ordering::SeqCst);
            }),
        );
    }
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let t = t.clone();
            thread::spawn(move || {
                for _ in 0..20 {
                    emit(&t, "ch", "");
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 50);
    assert_eq!(t.count("ch"), 0);
    assert!(t.channels().is_empty());
}

#[test]
fn listener_added_during_emit_waits_for_the_next_emit() {
    let cell = shared();
    let t = cell.get().unwrap().clone();
    let l = log();
    {
        let cell = cell.clone();
        let l = l.clone();
        t.add(
            "ch",
            false,
            Box::new(move |p| {
                l.lock().unwrap().push(format!("adder:{p}"));
                if p == "1" {
                    cell.get().unwrap().add("ch", false, recorder(&l, "late"));
                }
            }),
        );
    }
    assert_eq!(emit(&t, "ch", "1"), 1);
    assert_eq!(taken(&l), ["adder:1"]);
    assert_eq!(emit(&t, "ch", "2"), 2);
    assert_eq!(taken(&l), ["adder:2", "late:2"]);
    t.remove_all(None);
}

/// Node semantics: removing a listener while an emit is in progress does not affect that emit
/// (it works on a snapshot); the removal holds from the next emit on.
#[test]
fn remove_during_emit_takes_effect_at_the_next_emit() {
    let cell = shared();
    let t = cell.get().unwrap().clone();
    let l = log();
    let victim: Arc<OnceLock<ListenerId>> = Arc::new(OnceLock::new());
    let me: Arc<OnceLock<ListenerId>> = Arc::new(OnceLock::new());
    let remover = {
        let cell = cell.clone();
        let l = l.clone();
        let victim = victim.clone();
        let me = me.clone();
        t.add(
            "ch",
            false,
            Box::new(move |p| {
                l.lock().unwrap().push(format!("remover:{p}"));
                let t = cell.get().unwrap();
                assert!(t.remove("ch", *victim.get().unwrap()));
                // Removing itself is allowed too.
                assert!(t.remove("ch", *me.get().unwrap()));
            }),
        )
    };
    me.set(remover).unwrap();
    victim
        .set(t.add("ch", false, recorder(&l, "victim")))
        .unwrap();
    t.add("ch", false, recorder(&l, "stays"));
    assert_eq!(t.count("ch"), 3);

    assert_eq!(emit(&t, "ch", "1"), 3);
    assert_eq!(taken(&l), ["remover:1", "victim:1", "stays:1"]);
    assert_eq!(t.count("ch"), 1);
    assert_eq!(emit(&t, "ch", "2"), 1);
    assert_eq!(taken(&l), ["stays:2"]);
    t.remove_all(None);
}

#[test]
fn remove() {
    let t = Table::new("test");
    let l = log();
    let a = t.add("ch", false, recorder(&l, "a"));
    let b = t.add("ch", true, recorder(&l, "b"));
    let c = t.add("other", false, recorder(&l, "c"));
    // Wrong channel, then right channel, then again.
    assert!(!t.remove("other", a));
    assert!(!t.remove("missing", a));
    assert!(t.remove("ch", a));
    assert!(!t.remove("ch", a));
    // A once listener removed before it fires never fires.
    assert!(t.remove("ch", b));
    assert_eq!(emit(&t, "ch", "1"), 0);
    assert!(taken(&l).is_empty());
    // A fired once listener is no longer registered.
    let d = t.add("ch", true, recorder(&l, "d"));
    emit(&t, "ch", "2");
    assert!(!t.remove("ch", d));
    assert_eq!(taken(&l), ["d:2"]);
    assert!(t.remove("other", c));
    assert!(t.channels().is_empty());
}

#[test]
fn remove_all() {
    let t = Table::new("test");
    let l = log();
    for ch in ["b", "a", "c"] {
        t.add(ch, false, recorder(&l, ch));
        t.add(ch, true, recorder(&l, ch));
    }
    assert_eq!(t.channels(), ["a", "b", "c"]);
    t.remove_all(Some("b"));
    assert_eq!(t.channels(), ["a", "c"]);
    assert_eq!(t.count("b"), 0);
    assert_eq!(t.count("a"), 2);
    t.remove_all(Some("missing"));
    assert_eq!(t.channels(), ["a", "c"]);
    t.remove_all(None);
    assert!(t.channels().is_empty());
    assert_eq!(t.count("a"), 0);
    assert_eq!(emit(&t, "a", "x"), 0);
    assert!(taken(&l).is_empty());
    // The table is usable afterwards.
    t.add("a", false, recorder(&l, "new"));
    assert_eq!(emit(&t, "a", "y"), 1);
    assert_eq!(taken(&l), ["new:y"]);
}

#[test]
fn count_and_channels() {
    let t = Table::new("test");
    let l = log();
    assert_eq!(t.count("x"), 0);
    assert!(t.channels().is_empty());
    let ids: Vec<_> = (0..3)
        .map(|_| t.add("x", false, recorder(&l, "x")))
        .collect();
    t.add("", false, recorder(&l, "empty"));
    t.add("é", true, recorder(&l, "accent"));
    assert_eq!(t.count("x"), 3);
    assert_eq!(t.channels(), ["", "x", "é"]);
    for (i, id) in ids.into_iter().enumerate() {
        t.remove("x", id);
        assert_eq!(t.count("x"), 2 - i);
    }
    assert_eq!(t.channels(), ["", "é"]);
    // A channel whose last (once) listener fired disappears.
    emit(&t, "é", "");
    assert_eq!(t.channels(), [""]);
}

#[test]
fn listener_ids_are_unique() {
    let t = Arc::new(Table::new("test"));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let t = t.clone();
            thread::spawn(move || {
                (0..200)
                    .map(|k| {
                        let ch = format!("ch{}", (i + k) % 5);
                        let id = t.add(&ch, k % 2 == 0, Box::new(|_| {}));
                        if k % 3 == 0 {
                            t.remove(&ch, id);
                        }
                        id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all = HashSet::new();
    for th in threads {
        for id in th.join().unwrap() {
            assert!(all.insert(id), "duplicate id {id:?}");
        }
    }
    assert_eq!(all.len(), 8 * 200);
    let left: usize = t.channels().iter().map(|c| t.count(c)).sum();
    assert_eq!(left, 8 * 200 - 8 * (0..200).filter(|k| k % 3 == 0).count());
}

#[test]
fn many_listeners_only_warn() {
    let t = Table::new("test");
    t.set_max_listeners(2);
    let l = log();
    for i in 0..5 {
        t.add("ch", false, recorder(&l, &i.to_string()));
    }
    t.set_max_listeners(0);
    for i in 5..20 {
        t.add("ch", false, recorder(&l, &i.to_string()));
    }
    assert_eq!(emit(&t, "ch", "p"), 20);
    assert_eq!(taken(&l).len(), 20);
}

#[test]
fn a_panicking_listener_leaves_the_table_usable() {
    let t = Arc::new(Table::new("test"));
    let l = log();
    t.add("ch", true, Box::new(|_| panic!("listener failed")));
    t.add("ch", false, recorder(&l, "b"));
    let t2 = t.clone();
    let r = thread::spawn(move || emit(&t2, "ch", "1")).join();
    assert!(r.is_err());
    // The once listener was removed before it ran (and panicked).
    assert_eq!(t.count("ch"), 1);
    assert_eq!(emit(&t, "ch", "2"), 1);
    assert_eq!(taken(&l), ["b:2"]);
}
