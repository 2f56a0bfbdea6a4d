//! Analytics runs (step 3): publishing a run's items and serving them.
//!
//! A run's items all live under keys holding its id, so writing a new run never touches the
//! one being served. The pointer item (`ANALYTICS` / `CURRENT`) names the run the API serves;
//! publishing writes every item first and flips the pointer last, with a condition that an
//! older run never replaces a newer one. A crash before the flip leaves the previous run served.
//!
//! Every staged run is listed in the pointer's partition (`ANALYTICS` / `RUN#<staged at>#<id>`)
//! before its first item is written, so that [`Store::retire_runs`] finds the runs no one serves
//! any more, even one whose publish crashed, and removes their items; the list entry goes last.

mod lists;
mod runs;

pub use lists::OutlookFilter;
pub use runs::{Flip, RUN_GRACE, RunItems, ServedRun};
