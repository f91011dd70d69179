//! Review that does the reading: the checks a generated article must pass before it is
//! approved ([`checks`]), each with the outcome its rule asks for.

pub mod checks;
