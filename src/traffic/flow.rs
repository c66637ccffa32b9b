//! The life of a request: it arrives at a Service, its load balancer picks a pod, the
//! pod queues or serves it, it makes its downstream calls, and it answers — or it is
//! refused, fails with its pod, or its caller gives up and perhaps retries.

use super::arrivals::{Arrival, Source};
use super::endpoints::Endpoints;
use super::load_balancers::Endpoint;
use super::pod_server::PodServer;
use super::requests::{NONE, Request, Requests};
use super::service::{RETRY_BUCKET, ServiceSpec};
use super::stats::ServiceStats;
use crate::cluster::ids::PodId;
use crate::cluster::pod::PodPhase;
use crate::cluster::resources::CPU;
use crate::controllers::Ctx;
use crate::engine::event::Event;
use crate::engine::rng::{StreamKey, StreamRng};
use crate::engine::time::{Nanos, secs_to_nanos};
use crate::error::Error;
use rand::Rng;

/// Most requests in flight at once over all Services: past it the run stops with an
/// error instead of running out of memory (a queue that grows without bound).
pub const MAX_IN_FLIGHT: usize = 20_000_000;

/// An entry Service's external traffic: its process, its stream, and the next arrival.
struct External<'s> {
    source: Source<'s>,
    rng: StreamRng,
    next: Option<Arrival>,
}

/// Every Service, pod server and request in flight.
pub struct Traffic<'s> {
    pub(super) specs: &'s [ServiceSpec],
    /// Per Service.
    pub(super) endpoints: Vec<Endpoints>,
    /// Per Service.
    pub(super) stats: Vec<ServiceStats>,
    external: Vec<Option<External<'s>>>,
    retry_tokens: Vec<f64>,
    requests: Requests,
    /// Per pod: its index in `servers`, or [`NONE`].
    server_of: Vec<u32>,
    servers: Vec<PodServer>,
    free_servers: Vec<u32>,
    /// Per template: the Services that select its pods.
    services_of_template: Vec<Vec<u16>>,
    calls_key: StreamKey,
    /// Calls of the request being handled: (Service, demand).
    scratch: Vec<(u16, Nanos)>,
    /// `services.csv`.
    pub(super) rows: super::output::Rows,
    /// The scenario's latency objectives.
    pub(super) slos: &'s [crate::autoscaling::spec::LatencySlo],
    /// Start of the measured span.
    pub(super) warmup: Nanos,
    /// What was drawn for each request created: (Service, its caller's seed or 0 for an
    /// external request, demand, key), for the common-random-numbers test.
    #[cfg(test)]
    drawn: Vec<(u16, u64, Nanos, u64)>,
}

impl<'s> Traffic<'s> {
    /// The Services of `scenario`, with their external traffic's first arrivals queued.
    pub fn new(ctx: &mut Ctx<'_>, scenario: &'s crate::Scenario) -> Traffic<'s> {
        let specs = &scenario.services[..];
        let mut endpoints = Vec::with_capacity(specs.len());
        let mut external = Vec::with_capacity(specs.len());
        for (i, s) in specs.iter().enumerate() {
            let id = format!("{}/{}", s.namespace, s.name);
            endpoints.push(Endpoints::new(
                s.lb.build(),
                StreamKey::new(scenario.seed, &format!("lb/{id}")).rng(),
                s.keep_alive,
                s.session_affinity,
            ));
            external.push(s.traffic.as_ref().map(|t| {
                let mut e = External {
                    source: Source::new(&t.process),
                    rng: StreamKey::new(scenario.seed, &format!("arrivals/{id}")).rng(),
                    next: None,
                };
                e.next = e.source.next(&mut e.rng);
                if let Some(a) = e.next {
                    ctx.queue
                        .push(a.at, Event::RequestArrival { service: i as u16 });
                }
                e
            }));
        }
        let services_of_template = scenario
            .templates
            .iter()
            .map(|t| {
                specs
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.selects(&t.namespace, &t.labels))
                    .map(|(i, _)| i as u16)
                    .collect()
            })
            .collect();
        ctx.cluster.log_pod_changes = !specs.is_empty();
        Traffic {
            specs,
            endpoints,
            stats: vec![ServiceStats::new(scenario.warmup); specs.len()],
            external,
            retry_tokens: vec![RETRY_BUCKET; specs.len()],
            requests: Requests::default(),
            server_of: Vec::new(),
            servers: Vec::new(),
            free_servers: Vec::new(),
            services_of_template,
            calls_key: StreamKey::new(scenario.seed, "calls"),
            scratch: Vec::new(),
            rows: super::output::Rows::new(scenario.interval),
            slos: &scenario.slos.latency,
            warmup: scenario.warmup,
            #[cfg(test)]
            drawn: Vec::new(),
        }
    }

    /// Checks that every pod with a server is running, and that each request a server
    /// holds names that server's pod.
    pub(super) fn check_servers(
        &self,
        cluster: &crate::cluster::ClusterState,
    ) -> Result<(), String> {
        for (pod, &k) in self.server_of.iter().enumerate() {
            if k == NONE {
                continue;
            }
            let phase = cluster.pods[pod].phase;
            if phase != PodPhase::Running {
                return Err(format!(
                    "pod {} serves requests but is {phase:?}",
                    cluster.pod_name(PodId(pod as u32))
                ));
            }
            let srv = &self.servers[k as usize];
            let held = srv.queue.iter().chain(&srv.admitted);
            if let Some(r) = held
                .map(|&id| self.requests.get(id))
                .find(|r| r.pod != pod as u32)
            {
                return Err(format!(
                    "pod {} holds a request of pod index {}",
                    cluster.pod_name(PodId(pod as u32)),
                    r.pod
                ));
            }
            if srv.busy > srv.workers {
                return Err(format!(
                    "pod {}: {} of {} workers busy",
                    cluster.pod_name(PodId(pod as u32)),
                    srv.busy,
                    srv.workers
                ));
            }
        }
        Ok(())
    }

    /// The counters of pod `pod`'s server, if it serves: when its containers started, the
    /// CPU its finished work took (core-nanoseconds) and the requests it received.
    pub fn pod_counters(&self, pod: PodId) -> Option<(Nanos, Nanos, u64)> {
        let k = *self.server_of.get(pod.index())?;
        let srv = self.servers.get(k as usize)?;
        (k != NONE).then_some((srv.started, srv.cpu_done, srv.received))
    }

    /// Requests whose caller still waits for them.
    pub(super) fn held_unabandoned(&self) -> u64 {
        self.requests.in_use().filter(|r| !r.abandoned).count() as u64
    }

    /// The next external request of Service `s` arrives.
    pub fn arrival(&mut self, ctx: &mut Ctx, s: u16) {
        let spec = &self.specs[usize::from(s)];
        let Some(ext) = self.external[usize::from(s)].as_mut() else {
            return;
        };
        let Some(arrival) = ext.next else {
            return;
        };
        // Everything random about the request is drawn now, from the Service's own
        // stream: the same under every load balancer and scheduler (DESIGN §3). A
        // replayed trace's size column, when mapped, gives the demand instead.
        let sized = spec
            .traffic
            .as_ref()
            .and_then(|t| t.size_demand.zip(arrival.size));
        let demand = match (sized, spec.demand.as_ref()) {
            (Some((law, size)), _) => secs_to_nanos(law.seconds(size)),
            (None, Some(d)) => secs_to_nanos(d.sample(&mut ext.rng)),
            (None, None) => 0,
        };
        let key = spec
            .traffic
            .as_ref()
            .map_or(0, |t| t.keys.sample(&mut ext.rng));
        let seed = if spec.calls.is_empty() {
            0
        } else {
            ext.rng.random()
        };
        ext.next = ext.source.next(&mut ext.rng);
        if let Some(a) = ext.next {
            ctx.queue.push(a.at, Event::RequestArrival { service: s });
        }
        let r = Request::new(s, (NONE, 0), ctx.now, (demand, key, seed));
        #[cfg(test)]
        self.drawn.push((s, 0, demand, key));
        let id = self.requests.alloc(r);
        self.dispatch(ctx, id);
    }

    /// Refuses a run whose requests in flight pass [`MAX_IN_FLIGHT`].
    pub fn check_limit(&self, now: Nanos) -> Result<(), Error> {
        if self.requests.live() > MAX_IN_FLIGHT {
            return Err(Error::Limit(format!(
                "more than {MAX_IN_FLIGHT} requests in flight at {} s: the offered load far \
                 exceeds what the pods serve; give the pods a queueCapacity, add replicas or \
                 lower the traffic",
                now / crate::engine::time::NANOS_PER_SEC
            )));
        }
        Ok(())
    }

    /// Attempt `id` arrives at its Service.
    fn dispatch(&mut self, ctx: &mut Ctx, id: u32) {
        let r = *self.requests.get(id);
        let s = usize::from(r.service);
        let spec = &self.specs[s];
        self.stats[s].arrived(ctx.now, r.attempt > 0);
        if r.attempt == 0
            && let Some(retries) = spec.retries
        {
            self.retry_tokens[s] = (self.retry_tokens[s] + retries.budget).min(RETRY_BUCKET);
        }
        if let Some(t) = spec.timeout {
            let generation = r.generation;
            ctx.queue.push(
                ctx.now.saturating_add(t),
                Event::RequestTimeout {
                    request: id,
                    generation,
                },
            );
        }
        let Some(pod) = self.endpoints[s].pick(r.key, ctx.now) else {
            return self.refuse(ctx, id, None, true);
        };
        let server = self.server_of.get(pod.index()).copied().unwrap_or(NONE);
        if server == NONE {
            // The load balancer still lists a pod whose containers are not running: the
            // connection is refused.
            return self.refuse(ctx, id, Some(pod), false);
        }
        let srv = &mut self.servers[server as usize];
        srv.received += 1;
        if srv.full() {
            return self.refuse(ctx, id, Some(pod), true);
        }
        self.requests.get_mut(id).pod = pod.0;
        if srv.busy < srv.workers {
            self.start(ctx, server, id);
        } else {
            srv.queue.push_back(id);
        }
    }

    /// Attempt `id` ends before any pod takes it: `rejected` (no endpoint, a full
    /// queue) or failed (a dead endpoint), after the load balancer sent it to `pod`.
    fn refuse(&mut self, ctx: &mut Ctx, id: u32, pod: Option<PodId>, rejected: bool) {
        let s = usize::from(self.requests.get(id).service);
        if let Some(pod) = pod {
            self.endpoints[s].answered(pod);
        }
        if rejected {
            self.stats[s].rejected(ctx.now);
        } else {
            self.stats[s].failed(ctx.now, false);
        }
        self.give_up_or_retry(ctx, id, false);
    }

    /// A worker of `server` takes request `id`.
    fn start(&mut self, ctx: &mut Ctx, server: u32, id: u32) {
        let srv = &mut self.servers[server as usize];
        srv.busy += 1;
        let slot = srv.admit(id);
        let r = self.requests.get_mut(id);
        r.slot = slot;
        r.holds_worker = true;
        let done = ctx.now.saturating_add(srv.service_time(r.demand));
        ctx.queue.push(
            done,
            Event::RequestDone {
                request: id,
                generation: r.generation,
            },
        );
    }

    /// Request `id`'s own work is done: it makes its calls, or answers.
    pub fn work_done(&mut self, ctx: &mut Ctx, id: u32, generation: u32) {
        if !self.requests.current(id, generation) {
            return;
        }
        let r = *self.requests.get(id);
        let s = usize::from(r.service);
        self.stats[s].worked(ctx.now, r.demand);
        let server = self.server_of[r.pod as usize];
        self.servers[server as usize].cpu_done += r.demand;
        let spec = &self.specs[s];
        if spec.calls.is_empty() {
            return self.answer(ctx, id, true);
        }
        // The calls are drawn from the request's own seed: the same whatever the load
        // balancers did before.
        let mut rng = self.calls_key.rng_at(r.seed);
        self.scratch.clear();
        for c in &spec.calls {
            if c.probability >= 1.0 || rng.random::<f64>() < c.probability {
                let callee = &self.specs[usize::from(c.service)];
                for _ in 0..c.fan_out {
                    let demand = callee
                        .demand
                        .as_ref()
                        .map_or(0, |d| secs_to_nanos(d.sample(&mut rng)));
                    self.scratch.push((c.service, demand));
                }
            }
        }
        if self.scratch.is_empty() {
            return self.answer(ctx, id, true);
        }
        let n = self.scratch.len();
        self.requests.get_mut(id).pending = n as u32;
        if !spec.synchronous {
            self.release_worker(ctx, id);
        }
        let calls = std::mem::take(&mut self.scratch);
        for &(callee, demand) in &calls {
            #[cfg(test)]
            self.drawn.push((callee, r.seed, demand, r.key));
            let seed = if self.specs[usize::from(callee)].calls.is_empty() {
                0
            } else {
                rng.random()
            };
            let child = Request::new(callee, (id, generation), ctx.now, (demand, r.key, seed));
            let c = self.requests.alloc(child);
            self.dispatch(ctx, c);
        }
        self.scratch = calls;
    }

    /// Request `id` frees its worker (it goes on waiting for its calls, or it is done).
    fn release_worker(&mut self, ctx: &mut Ctx, id: u32) {
        let r = self.requests.get_mut(id);
        if !r.holds_worker {
            return;
        }
        r.holds_worker = false;
        let server = self.server_of[r.pod as usize];
        self.servers[server as usize].busy -= 1;
        self.serve_next(ctx, server);
    }

    /// Free workers of `server` take queued requests.
    fn serve_next(&mut self, ctx: &mut Ctx, server: u32) {
        loop {
            let srv = &mut self.servers[server as usize];
            if srv.busy >= srv.workers {
                return;
            }
            let Some(next) = srv.queue.pop_front() else {
                return;
            };
            self.start(ctx, server, next);
        }
    }

    /// Attempt `id` answers its caller, successfully or not.
    fn answer(&mut self, ctx: &mut Ctx, id: u32, ok: bool) {
        let r = *self.requests.get(id);
        if r.pod != NONE {
            let server = self.server_of[r.pod as usize];
            if let Some(moved) = self.servers[server as usize].remove(r.slot) {
                self.requests.get_mut(moved).slot = r.slot;
            }
            self.release_worker(ctx, id);
        }
        if r.abandoned {
            self.requests.free(id);
            return;
        }
        let s = usize::from(r.service);
        if r.pod != NONE {
            self.endpoints[s].answered(PodId(r.pod));
        }
        if ok {
            self.stats[s].completed(ctx.now, ctx.now - r.arrived);
            self.requests.free(id);
            self.notify_caller(ctx, r.parent, true);
        } else {
            self.stats[s].failed(ctx.now, false);
            self.give_up_or_retry(ctx, id, false);
        }
    }

    /// Attempt `id` failed and was counted: its caller retries it if its retries and
    /// the budget allow, else hears of the failure. `keep`: the record stays, abandoned,
    /// with the pod still working on it.
    fn give_up_or_retry(&mut self, ctx: &mut Ctx, id: u32, keep: bool) {
        let r = *self.requests.get(id);
        if !keep {
            self.requests.free(id);
        }
        let s = usize::from(r.service);
        let retry = self.specs[s]
            .retries
            .is_some_and(|t| u32::from(r.attempt) < t.attempts && self.retry_tokens[s] >= 1.0);
        if !retry {
            return self.notify_caller(ctx, r.parent, false);
        }
        self.retry_tokens[s] -= 1.0;
        let again = Request {
            attempt: r.attempt + 1,
            ..Request::new(r.service, r.parent, ctx.now, (r.demand, r.key, r.seed))
        };
        let next = self.requests.alloc(again);
        self.dispatch(ctx, next);
    }

    /// A call of the caller `(slot, generation)` answered; the caller answers once all
    /// of its calls have. A caller that is gone (it failed, or was retried) ignores it.
    fn notify_caller(&mut self, ctx: &mut Ctx, (parent, generation): (u32, u32), ok: bool) {
        if parent == NONE || !self.requests.current(parent, generation) {
            return;
        }
        let p = self.requests.get_mut(parent);
        p.failed_child |= !ok;
        p.pending -= 1;
        if p.pending == 0 {
            let ok = !p.failed_child;
            self.answer(ctx, parent, ok);
        }
    }

    /// Attempt `id`'s caller gives up waiting.
    pub fn timeout(&mut self, ctx: &mut Ctx, id: u32, generation: u32) {
        if !self.requests.current(id, generation) || self.requests.get(id).abandoned {
            return;
        }
        let r = self.requests.get_mut(id);
        r.abandoned = true;
        let (s, pod) = (usize::from(r.service), r.pod);
        if pod != NONE {
            self.endpoints[s].answered(PodId(pod));
        }
        self.stats[s].failed(ctx.now, true);
        self.give_up_or_retry(ctx, id, true);
    }

    /// Endpoint changes of Service `s` reach its load balancer.
    pub fn endpoints_sync(&mut self, ctx: &mut Ctx, s: u16) {
        if let Some(next) = self.endpoints[usize::from(s)].sync(ctx.now) {
            ctx.queue
                .push(next.max(ctx.now), Event::EndpointsSync { service: s });
        }
    }

    /// Looks at the pods the last event changed: pods that started serving get a
    /// server, pods whose containers stopped fail what they held, and readiness
    /// changes start their way to the load balancers.
    pub fn pods_changed(&mut self, ctx: &mut Ctx) {
        let mut changed = std::mem::take(&mut ctx.cluster.pod_changes);
        for &pod in &changed {
            let p = &ctx.cluster.pods[pod.index()];
            let services = &self.services_of_template[p.template as usize];
            if services.is_empty() {
                continue;
            }
            let running = p.phase == PodPhase::Running;
            let template = p.template as usize;
            let ready = p.ready_since.is_some() && !p.terminating && p.phase.on_node();
            let limit = ctx.scenario.pod_limits[p.template as usize].0[CPU];
            let cpu = if limit > 0 { limit } else { p.requests.0[CPU] };
            // A pod without any cpu request or limit is not throttled: one core.
            let cpu_millis = if cpu > 0 {
                u32::try_from(cpu).unwrap_or(u32::MAX)
            } else {
                1000
            };
            let (workload, last_start) = (p.workload, p.last_start);
            let server = self.server_of.get(pod.index()).copied().unwrap_or(NONE);
            // Containers that stopped and started again within one event lost what they
            // held all the same.
            let restarted = server != NONE && self.servers[server as usize].started != last_start;
            if server != NONE && (!running || restarted) {
                self.stop_server(ctx, pod);
            }
            if running && (server == NONE || restarted) {
                let serving = ctx.scenario.spec_of(workload, template as u32).serving;
                let mut srv = PodServer::new(serving.workers, serving.queue_capacity, cpu_millis);
                srv.started = last_start;
                self.add_server(pod, srv);
            }
            let ep = Endpoint { pod, cpu_millis };
            for k in 0..self.services_of_template[template].len() {
                let s = self.services_of_template[template][k];
                let at = ctx
                    .now
                    .saturating_add(self.specs[usize::from(s)].endpoint_delay);
                if self.endpoints[usize::from(s)].set(ep, ready, at) {
                    ctx.queue.push(at, Event::EndpointsSync { service: s });
                }
            }
        }
        changed.clear();
        // Hand the buffer back so that it is not reallocated per event.
        if ctx.cluster.pod_changes.is_empty() {
            ctx.cluster.pod_changes = changed;
        }
    }

    fn add_server(&mut self, pod: PodId, server: PodServer) {
        let k = match self.free_servers.pop() {
            Some(k) => {
                self.servers[k as usize] = server;
                k
            }
            None => {
                self.servers.push(server);
                (self.servers.len() - 1) as u32
            }
        };
        if self.server_of.len() <= pod.index() {
            self.server_of.resize(pod.index() + 1, NONE);
        }
        self.server_of[pod.index()] = k;
    }

    /// Pod `pod`'s containers stopped: every request it held fails.
    fn stop_server(&mut self, ctx: &mut Ctx, pod: PodId) {
        let k = self.server_of[pod.index()];
        self.server_of[pod.index()] = NONE;
        self.free_servers.push(k);
        let srv = &mut self.servers[k as usize];
        let mut held: Vec<u32> = srv.queue.drain(..).collect();
        held.append(&mut srv.admitted);
        srv.busy = 0;
        for id in held {
            let r = self.requests.get_mut(id);
            r.pod = NONE;
            r.holds_worker = false;
            if r.abandoned {
                self.requests.free(id);
                continue;
            }
            let s = usize::from(r.service);
            self.endpoints[s].answered(pod);
            self.stats[s].failed(ctx.now, false);
            self.give_up_or_retry(ctx, id, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::time::Nanos;
    use crate::scenario::load_str;
    use crate::traffic::load_balancers::LbSpec;
    use crate::{Scenario, Simulation};

    /// An entry Service calling a backend with probability 0.5 and fan-out 3, both
    /// with random demands; the backend's load balancer is `LB`. Traffic stops 5 s
    /// before the end, so that every request has made its calls by then.
    const CHAIN: &str = r#"
apiVersion: kubesim/v1
kind: Scenario
metadata: {name: crn}
seed: SEED
duration: 20s
cluster:
  nodePools: [{name: n, count: 2, capacity: {cpu: 16, memory: 64Gi}}]
workloads:
  deployments:
    - metadata: {name: front}
      spec:
        replicas: 2
        template:
          metadata: {labels: {app: front}}
          spec: {containers: [{name: c, resources: {requests: {cpu: 1}}}]}
      simulation: {serving: {workers: 4}}
    - metadata: {name: back}
      spec:
        replicas: 5
        template:
          metadata: {labels: {app: back}}
          spec: {containers: [{name: c, resources: {requests: {cpu: 1}}}]}
services:
  - metadata: {name: front}
    spec: {type: LoadBalancer, selector: {app: front}}
    simulation:
      loadBalancer: LB
      demand: {exponential: {mean: 2ms}}
      calls: [{service: back, probability: 0.5, fanOut: 3}]
      traffic:
        steps: [{at: 3s, rate: 400/s}, {at: 15s, rate: 0}]
        keys: {uniform: 50}
  - metadata: {name: back}
    spec: {selector: {app: back}}
    simulation:
      loadBalancer: LB
      demand: {lognormal: {median: 3ms, sigma: 1}}
      timeout: 20ms
      retries: {attempts: 1, budget: 0.5}
"#;

    fn scenario(lb: &str, seed: u64) -> Scenario {
        let text = CHAIN.replace("LB", lb).replace("SEED", &seed.to_string());
        load_str(&text, "crn.yaml", std::path::Path::new(".")).expect("valid scenario")
    }

    /// Every request's draws: external requests in arrival order (their caller seed is
    /// 0), then the distinct calls sorted (an attempt retried after its timeout makes
    /// its calls again, with the same draws).
    fn draws(s: &Scenario) -> Vec<(u16, u64, Nanos, u64)> {
        let sink = || Box::new(std::io::sink()) as Box<dyn std::io::Write>;
        let mut sim = Simulation::new(s, sink(), sink()).expect("simulation");
        while sim.step().expect("step") {}
        let t = sim.traffic().expect("the scenario has Services");
        let (external, mut calls): (Vec<_>, Vec<_>) = t.drawn.iter().partition(|d| d.1 == 0);
        calls.sort_unstable();
        calls.dedup();
        external.into_iter().chain(calls).collect()
    }

    #[test]
    fn request_k_has_the_same_demand_key_and_calls_under_every_load_balancer() {
        let base = draws(&scenario("round-robin", 5));
        assert!(base.len() > 5_000, "{} requests", base.len());
        for lb in LbSpec::EVERY.map(|s| s.name()) {
            assert_eq!(draws(&scenario(&lb, 5)), base, "{lb}");
        }
        // The draws do depend on the seed.
        assert_ne!(draws(&scenario("round-robin", 6)), base);
    }
}
