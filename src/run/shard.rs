//! Sharding: which host or array task runs which source.

use xxhash_rust::xxh3::xxh3_64;

/// Parses `K/N` (K counted from 0, as a Kubernetes indexed Job or a Slurm
/// array numbers its tasks).
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}`: expected K/N, e.g. 0/4"))?;
    let (k, n): (u64, u64) = (
        k.trim()
            .parse()
            .map_err(|_| format!("`{s}`: K is not a number"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("`{s}`: N is not a number"))?,
    );
    if n == 0 || k >= n {
        return Err(format!("`{s}`: need 0 <= K < N"));
    }
    Ok((k, n))
}

/// Which shard a source belongs to: by its name, not its position, so
/// adding a source never moves the others between shards.
pub fn shard_of(name: &str, n: u64) -> u64 {
    xxh3_64(name.as_bytes()) % n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_sources_by_name_exactly_once() {
        let names: Vec<String> = (0..200).map(|i| format!("repo-{i}")).collect();
        for n in [1, 2, 3, 7] {
            let mut hits = vec![0; names.len()];
            for k in 0..n {
                for (i, name) in names.iter().enumerate() {
                    if shard_of(name, n) == k {
                        hits[i] += 1;
                    }
                }
            }
            assert!(hits.iter().all(|&h| h == 1), "n = {n}");
        }
        assert_eq!(parse_shard("1/4"), Ok((1, 4)));
        assert!(parse_shard("4/4").is_err());
        assert!(parse_shard("x").is_err());
    }
}
