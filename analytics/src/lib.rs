//! The analytics job (step 3): a library of pure stages. Empty until predictive analytics lands.
