//! Price resolution: what a buyer pays for a line, where that price comes from, and why every
//! other list did not give it.
//!
//! The price lists that may price a buyer's lines are tried in a fixed order: the account's own
//! (contract) lists, then its price groups' lists, then the default list of the SKU's division;
//! within a level the lower `priority` first, then the list id. A list is skipped when its
//! currency is not the buyer's, when the day is outside its validity, or when it belongs to
//! another division than the SKU; the first remaining list with a price for the SKU gives it.
//! Currency and validity are hard filters: a SKU with no valid price in the buyer's currency is
//! an error naming it, never a price in another currency. A volume tier prices the whole line
//! from its minimum quantity on.
//!
//! [`PriceBook::for_buyer`] orders the lists once per buyer and day; [`BuyerPrices::price`]
//! then prices a line with a few map look-ups, and [`BuyerPrices::explain`] walks the same
//! order recording each list's verdict, so the explain view and a priced line cannot disagree
//! (a property test holds them to it).
//!
//! A [`Quote`] is one account's price data (as the store reads it) for one day, and answers each
//! requested line with a priced line or a [`LineError`] with a stable code naming the SKU.
//!
//! Pure: no IO. The store loads the lists, assignments and prices; the API functions call this.

pub mod cart;
mod quote;
mod resolve;

pub use portal_domain::pricing::{Level, PriceSource};
pub use quote::{
    CatalogPrice, LineAnswer, LineError, LineResult, MAX_QUANTITY, Quote, RawQuantity,
    parse_quantity,
};
pub use resolve::{
    Buyer, BuyerPrices, Exclusion, Explanation, PriceBook, PricedLine, PricingError, Step, Verdict,
};

#[cfg(test)]
mod tests;
