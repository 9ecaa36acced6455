//! Assembly. Takes record files from every source; gives a train and an eval
//! set (deduplicated, hard cases in eval, rebalanced toward real data) and the
//! rows trainers read (TRL, OpenAI fine-tuning, ShareGPT).

pub mod build;
pub mod export;
