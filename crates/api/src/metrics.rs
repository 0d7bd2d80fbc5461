//! Request metrics in the Prometheus text format, written by hand.
//!
//! Why no metrics crate: we need two families (a counter by route/method/status and a
//! latency histogram by route); a few atomics and a formatter do that without a
//! dependency tree. The hot path takes only a read lock and atomic increments; the
//! write lock is taken once per new label combination, whose number is bounded by the
//! route table (unmatched paths share one label).
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Upper bounds (seconds) of the latency buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    /// Cumulative counts are computed when rendering; these are per bucket (+Inf last).
    buckets: [AtomicU64; BUCKETS.len() + 1],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

type CountKey = (String, String, u16);

/// Counters and histograms of all requests since start.
#[derive(Default)]
pub struct Metrics {
    counts: RwLock<HashMap<CountKey, Arc<AtomicU64>>>,
    latency: RwLock<HashMap<String, Arc<Histogram>>>,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let key = (method.to_owned(), route.to_owned(), status);
        counter(&self.counts, key).fetch_add(1, Ordering::Relaxed);
        let hist = histogram(&self.latency, route);
        let secs = elapsed.as_secs_f64();
        let idx = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        hist.buckets[idx].fetch_add(1, Ordering::Relaxed);
        hist.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        hist.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The Prometheus exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP nordlys_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE nordlys_http_requests_total counter\n");
        let counts = self.counts.read().unwrap_or_else(|e| e.into_inner());
        let mut rows: Vec<_> = counts
            .iter()
            .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
            .collect();
        drop(counts);
        rows.sort();
        for ((method, route, status), n) in rows {
            let _ = writeln!(
                out,
                "nordlys_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(&method),
                escape(&route)
            );
        }
        out.push_str(
            "# HELP nordlys_http_request_duration_seconds Time to answer a request, by route.\n",
        );
        out.push_str("# TYPE nordlys_http_request_duration_seconds histogram\n");
        let latency = self.latency.read().unwrap_or_else(|e| e.into_inner());
        let mut routes: Vec<_> = latency
            .iter()
            .map(|(k, v)| (k.clone(), Arc::clone(v)))
            .collect();
        drop(latency);
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        for (route, h) in routes {
            let route = escape(&route);
            let mut cumulative = 0u64;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "nordlys_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += h.buckets[BUCKETS.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "nordlys_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}"
            );
            let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0;
            let _ = writeln!(
                out,
                "nordlys_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "nordlys_http_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}"
            );
        }
        out
    }
}

fn counter(map: &RwLock<HashMap<CountKey, Arc<AtomicU64>>>, key: CountKey) -> Arc<AtomicU64> {
    if let Some(c) = map.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Arc::clone(c);
    }
    let mut w = map.write().unwrap_or_else(|e| e.into_inner());
    Arc::clone(w.entry(key).or_default())
}

fn histogram(map: &RwLock<HashMap<String, Arc<Histogram>>>, route: &str) -> Arc<Histogram> {
    if let Some(h) = map.read().unwrap_or_else(|e| e.into_inner()).get(route) {
        return Arc::clone(h);
    }
    let mut w = map.write().unwrap_or_else(|e| e.into_inner());
    Arc::clone(w.entry(route.to_owned()).or_default())
}

/// Label values: backslash, quote and newline escaped as the format demands.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record("GET", "/fhir/{type}/{id}", 200, Duration::from_micros(700));
        m.record("GET", "/fhir/{type}/{id}", 200, Duration::from_millis(30));
        m.record("GET", "/fhir/{type}/{id}", 404, Duration::from_secs(9));
        let text = m.render();
        assert!(text.contains("nordlys_http_requests_total{method=\"GET\",route=\"/fhir/{type}/{id}\",status=\"200\"} 2"));
        assert!(text.contains("status=\"404\"} 1"));
        assert!(text.contains("le=\"0.001\"} 1\n"));
        assert!(text.contains("le=\"0.05\"} 2\n"));
        assert!(text.contains("le=\"2.5\"} 2\n"));
        assert!(text.contains("le=\"+Inf\"} 3\n"));
        assert!(text.contains(
            "nordlys_http_request_duration_seconds_count{route=\"/fhir/{type}/{id}\"} 3"
        ));
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
    }
}
