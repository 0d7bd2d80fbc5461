//! A closed-loop HTTP load generator: N clients, each sending its next request when
//! the previous answer has been read, for a fixed time.
//!
//! Why closed-loop with an HDR histogram: it is what "32 concurrent clients" means in
//! quality.md, and HDR keeps p99 exact to 0.1 % without storing every sample.
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub requests: u64,
    /// Answers that were not 2xx (or failed to arrive).
    pub errors: u64,
    /// Status of the first error, to tell why.
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Latency in microseconds.
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl LoadResult {
    pub fn rps(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.requests as f64 / s
        } else {
            0.0
        }
    }
}

/// A client tuned for load: keep-alive pool as large as the client count, no Nagle.
pub fn http_client(clients: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// GETs `url` with `token` from `clients` tasks for `duration` (after a short warm-up).
pub async fn run(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let auth = format!("Bearer {token}");
    run_with_header(client, url, ("authorization", &auth), clients, duration).await
}

/// [`run`] with any one header carrying the credentials (a portal session cookie).
pub async fn run_with_header(
    client: &reqwest::Client,
    url: &str,
    header: (&str, &str),
    clients: usize,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let (header_name, header_value) = (header.0.to_owned(), header.1.to_owned());
    let warmup = (duration / 10).min(Duration::from_secs(1));
    let started = Instant::now();
    let measure_from = started + warmup;
    let until = measure_from + duration;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients.max(1) {
        let client = client.clone();
        let url = url.to_owned();
        let (name, value) = (header_name.clone(), header_value.clone());
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            let (mut n, mut errors, mut first_error) = (0u64, 0u64, None::<String>);
            loop {
                let t0 = Instant::now();
                if t0 >= until {
                    break;
                }
                let outcome = match client
                    .get(&url)
                    .header(name.as_str(), value.as_str())
                    .send()
                    .await
                {
                    Ok(r) => {
                        let status = r.status();
                        match r.bytes().await {
                            Ok(_) if status.is_success() => None,
                            Ok(_) => Some(format!("HTTP {status}")),
                            Err(e) => Some(format!("reading body: {e}")),
                        }
                    }
                    Err(e) => Some(format!("request: {e}")),
                };
                if t0 < measure_from {
                    continue;
                }
                n += 1;
                if let Some(e) = outcome {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
                let us = u64::try_from(t0.elapsed().as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                if let Some(h) = hist.as_mut() {
                    let _ = h.record(us.min(60_000_000));
                }
            }
            (hist, n, errors, first_error)
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut requests, mut errors, mut first_error) = (0u64, 0u64, None);
    for t in tasks {
        let (hist, n, e, fe) = t.await?;
        if let Some(h) = hist {
            total.add(&h)?;
        }
        requests += n;
        errors += e;
        if first_error.is_none() {
            first_error = fe;
        }
    }
    let elapsed = Instant::now()
        .saturating_duration_since(measure_from)
        .min(duration.max(Duration::from_millis(1)));
    Ok(LoadResult {
        requests,
        errors,
        first_error,
        elapsed,
        p50_us: total.value_at_quantile(0.50),
        p99_us: total.value_at_quantile(0.99),
        max_us: total.max(),
    })
}

/// `10s`, `500ms`, `2m`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(
        s.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len()),
    );
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration like 10s, 500ms or 2m"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        _ => return Err(format!("'{s}' is not a duration like 10s, 500ms or 2m")),
    };
    if !(secs > 0.0 && secs < 86_400.0) {
        return Err(format!("duration '{s}' must be between 0 and 24 h"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
