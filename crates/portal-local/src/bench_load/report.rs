//! What a load run is asked to do and what it reports: per-route latencies beside the baseline.

use std::time::Duration;

/// What the clients do, and for how long.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub clients: usize,
    pub duration: Duration,
    pub reads_per_push: usize,
    pub push_rows: usize,
    pub baseline: Duration,
}

/// Latencies and errors of one route.
#[derive(Debug, Clone, Default)]
pub struct RouteStats {
    pub route: String,
    pub requests: usize,
    pub errors: usize,
    pub(super) latencies: Vec<Duration>,
}

impl RouteStats {
    /// The `p` quantile of the latencies (nearest rank), zero without requests.
    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round().max(0.0) as usize;
        sorted.get(index).copied().unwrap_or_default()
    }
}

/// The outcome of a load run.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub plan: LoadPlan,
    /// The bare store query, alone, before the load.
    pub baseline: RouteStats,
    /// Every route of the mix, by name (such as `GET /orders/{id}`).
    pub routes: Vec<RouteStats>,
    pub elapsed: Duration,
    /// The first errors, as `route: what happened`.
    pub error_samples: Vec<String>,
}

impl LoadReport {
    pub fn requests(&self) -> usize {
        self.routes.iter().map(|r| r.requests).sum()
    }

    pub fn errors(&self) -> usize {
        self.routes.iter().map(|r| r.errors).sum()
    }

    /// A Markdown table of the routes, with their p99 as a multiple of the baseline's.
    pub fn table(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let base = ms(self.baseline.percentile(0.99)).max(f64::MIN_POSITIVE);
        let mut text = format!(
            "{} clients for {:.0} s, a push every {} reads ({} rows each): {} requests ({:.0}/s), {} errors\n\n\
             | route | requests | errors | p50 ms | p95 ms | p99 ms | p99 × baseline p99 |\n\
             |---|---:|---:|---:|---:|---:|---:|\n",
            self.plan.clients,
            self.elapsed.as_secs_f64(),
            self.plan.reads_per_push,
            self.plan.push_rows,
            self.requests(),
            self.requests() as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE),
            self.errors(),
        );
        for r in std::iter::once(&self.baseline).chain(&self.routes) {
            text.push_str(&format!(
                "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.1} |\n",
                r.route,
                r.requests,
                r.errors,
                ms(r.percentile(0.5)),
                ms(r.percentile(0.95)),
                ms(r.percentile(0.99)),
                ms(r.percentile(0.99)) / base,
            ));
        }
        for sample in &self.error_samples {
            text.push_str(&format!("\nerror: {sample}"));
        }
        text
    }
}
