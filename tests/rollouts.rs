//! Rollouts end to end, from YAML: the rolling-update bounds at every event, Recreate,
//! rollbacks, the progress deadline, revision history and the availability figures, each
//! against values derived by hand from Kubernetes' rules.

mod common;

use kubesim::Simulation;
use kubesim::cluster::ids::WorkloadId;
use kubesim::engine::time::NANOS_PER_SEC as S;
use std::path::PathBuf;

/// Runs the binary on scenario `text` written to a temporary folder; returns the folder
/// (kept alive by the caller) and the output folder.
fn run_binary(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, text).expect("write");
    let out = dir.path().join("out");
    let run = common::kubesim(&[
        "run",
        path.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
        "--quiet",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (dir, out)
}

/// A scenario with one Deployment `web` of `replicas` pods (cpu 500m each; 8 nodes of 4
/// cores leave room for every surge here), rolled out at 60 s to version v2.
fn scenario(replicas: u32, spec: &str, sim: &str, events: &str) -> String {
    format!(
        "\
apiVersion: kubesim/v1
kind: Scenario
metadata: {{name: rollouts}}
duration: 20m
cluster:
  nodePools:
    - name: pool
      count: 8
      capacity: {{cpu: 4, memory: 16Gi}}
workloads:
  deployments:
    - metadata: {{name: web}}
      spec:
        replicas: {replicas}
        selector: {{matchLabels: {{app: web}}}}
{spec}
        template:
          metadata: {{labels: {{app: web, version: v1}}}}
          spec:
            containers:
              - name: app
                resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}
      simulation:
{sim}
events:
{events}
"
    )
}

/// The rollout to v2 at `at` (same requests, a new version label).
fn to_v2(at: &str) -> String {
    format!(
        "  - at: {at}
    type: rollout
    deployment: web
    template:
      metadata: {{labels: {{app: web, version: v2}}}}
      spec:
        containers:
          - name: app
            resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}
"
    )
}

/// What one step of the simulation shows of Deployment `web`'s pods.
struct View {
    /// Pods not ended and not terminating.
    active: u32,
    /// Active pods Ready for at least `minReadySeconds`.
    available: u32,
    /// Pods not ended (terminating included), per pod template.
    alive_by_template: Vec<(u32, u32)>,
}

fn view(sim: &Simulation, min_ready: u64) -> View {
    let now = sim.now();
    let mut v = View {
        active: 0,
        available: 0,
        alive_by_template: Vec::new(),
    };
    for p in &sim.cluster().pods {
        if p.phase.is_terminal() {
            continue;
        }
        match v
            .alive_by_template
            .iter_mut()
            .find(|(t, _)| *t == p.template)
        {
            Some((_, n)) => *n += 1,
            None => v.alive_by_template.push((p.template, 1)),
        }
        if p.terminating {
            continue;
        }
        v.active += 1;
        if p.ready_since.is_some_and(|t| t + min_ready <= now) {
            v.available += 1;
        }
    }
    v
}

/// Runs `text` event by event with the invariants checked, calling `each` after every
/// event; returns the simulation's final state through `end`.
fn step_all<T>(
    text: &str,
    mut each: impl FnMut(&Simulation),
    end: impl FnOnce(&Simulation) -> T,
) -> T {
    let s = common::scenario(text);
    let mut sim = Simulation::new(&s, Box::new(std::io::sink()), Box::new(std::io::sink()))
        .expect("simulation builds");
    sim.check_every_event(true);
    while sim.step().unwrap_or_else(|e| panic!("{e}")) {
        each(&sim);
    }
    end(&sim)
}

/// At every event after the rollout starts: at least `replicas − maxUnavailable` pods
/// available and at most `replicas + maxSurge` active; at the end every pod runs v2.
#[test]
fn rolling_updates_stay_within_their_bounds() {
    // (replicas, strategy and spec lines, simulation lines, hand-resolved surge and
    // maxUnavailable, minReadySeconds)
    let configs: Vec<(u32, &str, &str, u32, u32, u64)> = vec![
        // Defaults 25 %/25 % of 10: surge ceil(2.5) = 3, unavailable floor(2.5) = 2.
        (10, "", "        startupDelay: 2s", 3, 2, 0),
        // Absolute counts, maxUnavailable 0: only surge moves the rollout.
        (
            10,
            "        strategy: {rollingUpdate: {maxSurge: 3, maxUnavailable: 0}}",
            "        startupDelay: {uniform: {min: 1s, max: 9s}}",
            3,
            0,
            0,
        ),
        // maxSurge 0: floor(30 % of 10) = 3 pods down at a time.
        (
            10,
            "        strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 30%}}",
            "        startupDelay: 3s",
            0,
            3,
            0,
        ),
        // minReadySeconds holds old pods until new ones have been ready 15 s.
        (
            5,
            "        strategy: {rollingUpdate: {maxSurge: 0%, maxUnavailable: 1}}\n        minReadySeconds: 15",
            "        startupDelay: {uniform: {min: 1s, max: 5s}}",
            0,
            1,
            15,
        ),
        // ceil(50 % of 7) = 4 extra pods, floor(10 % of 7) = 0 missing.
        (
            7,
            "        strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 50%, maxUnavailable: 10%}}\n        minReadySeconds: 5",
            "        startupDelay: 2s",
            4,
            0,
            5,
        ),
    ];
    for (replicas, spec, sim, surge, unavailable, min_ready) in configs {
        let text = scenario(replicas, spec, sim, &to_v2("60s"));
        let s = common::scenario(&text);
        let v2 = s.versions[0].template;
        let mut events_checked = 0;
        let (done, templates) = step_all(
            &text,
            |sim| {
                if sim.now() < 60 * S {
                    return;
                }
                let v = view(sim, min_ready * S);
                assert!(
                    v.available + unavailable >= replicas,
                    "{spec}: {} available at t={} ns, below {replicas} − {unavailable}",
                    v.available,
                    sim.now()
                );
                assert!(
                    v.active <= replicas + surge,
                    "{spec}: {} active pods at t={} ns, above {replicas} + {surge}",
                    v.active,
                    sim.now()
                );
                events_checked += 1;
            },
            |sim| {
                let v = view(sim, min_ready * S);
                (v.available, v.alive_by_template)
            },
        );
        assert!(events_checked > 20, "{spec}: the rollout took few events");
        assert_eq!(done, replicas, "{spec}: all pods available at the end");
        assert_eq!(
            templates,
            vec![(v2, replicas)],
            "{spec}: only v2 pods are left"
        );
    }
}

/// The bound check is tight: with one pod fewer of slack it fails on the default config.
#[test]
fn the_bound_check_catches_a_wrong_max_unavailable() {
    let text = scenario(10, "", "        startupDelay: 2s", &to_v2("60s"));
    let mut violated = false;
    step_all(
        &text,
        |sim| {
            if sim.now() >= 60 * S {
                // maxUnavailable taken as 1 instead of 2.
                violated |= view(sim, 0).available + 1 < 10;
            }
        },
        |_| (),
    );
    assert!(violated, "a rollout with maxUnavailable 2 must go 2 below");
}

#[test]
fn recreate_never_runs_old_and_new_pods_at_once() {
    let text = scenario(
        6,
        "        strategy: {type: Recreate}",
        "        startupDelay: 2s",
        &to_v2("60s"),
    );
    let s = common::scenario(&text);
    let v2 = s.versions[0].template;
    let mut saw_gap = false;
    let end = step_all(
        &text,
        |sim| {
            let v = view(sim, 0);
            assert!(
                v.alive_by_template.len() <= 1,
                "old and new pods at t={} ns: {:?}",
                sim.now(),
                v.alive_by_template
            );
            // Old pods terminate for the 30 s grace period before any new one exists.
            saw_gap |= sim.now() > 60 * S && v.alive_by_template.is_empty();
        },
        |sim| view(sim, 0).alive_by_template,
    );
    assert!(saw_gap, "the new pods wait for the old ones to be gone");
    assert_eq!(end, vec![(v2, 6)]);
}

/// `rollback` returns to the previous template as revision max + 1.
#[test]
fn rollback_restores_the_old_template_as_a_new_revision() {
    let events = format!(
        "{}  - {{at: 5m, type: rollback, deployment: web}}\n",
        to_v2("60s")
    );
    let text = scenario(4, "", "        startupDelay: 2s", &events);
    let s = common::scenario(&text);
    let v1 = s.workloads[0].template;
    let (revision, revisions, templates, status) = step_all(
        &text,
        |_| {},
        |sim| {
            let d = sim.deployment(WorkloadId(0)).expect("web is a Deployment");
            let v = view(sim, 0).alive_by_template;
            (d.revision(), d.revisions(), v, d.status())
        },
    );
    assert_eq!(revision, Some(3));
    assert_eq!(
        (
            status.desired,
            status.current,
            status.available,
            status.updated
        ),
        (4, 4, 4, 4)
    );
    // The ReplicaSet of v1 (created first) now has revision 3; v2's keeps 2.
    assert_eq!(revisions, vec![3, 2]);
    assert_eq!(templates, vec![(v1, 4)]);
}

/// A version that cannot be scheduled: the rollout stalls at 60 s, the 120 s deadline
/// passes at 180 s and the Deployment rolls itself back then.
#[test]
fn rollback_at_the_progress_deadline() {
    let events = "  - at: 60s
    type: rollout
    deployment: web
    template:
      metadata: {labels: {app: web, version: v2}}
      spec:
        containers:
          - name: app
            resources: {requests: {cpu: \"64\", memory: 1Gi}}
";
    let text = scenario(
        4,
        "        progressDeadlineSeconds: 120",
        "        rollbackOnProgressDeadline: true",
        events,
    );
    let (_dir, out) = run_binary(&text);
    let rows = common::read_csv(&out.join("events.csv"));
    let at = |what: &str| common::times(&rows, what);
    // Progress last seen at 60 s (the new ReplicaSet scaled up, an old pod removed).
    assert_eq!(at("progress_deadline_exceeded"), vec![180.0]);
    assert_eq!(at("rollback"), vec![180.0]);
    assert_eq!(common::summary(&out, "rollbacks"), "1");
    // Revisions 1 (created), 2 (v2) and 3 (v1 back).
    assert_eq!(common::summary(&out, "rollouts"), "2");
    let complete = at("rollout_complete");
    assert_eq!(
        complete.len(),
        2,
        "revision 1 at the start, revision 3 after the rollback"
    );
    // The last row shows the Deployment whole again on v1.
    let last = common::read_csv(&out.join("deployments.csv"))
        .pop()
        .expect("rows");
    assert_eq!(last[1..], ["web", "4", "4", "4", "4", "4", "0"]);
}

/// `revisionHistoryLimit: 1` keeps one old ReplicaSet beside the current one.
#[test]
fn revision_history_is_trimmed() {
    let events = format!(
        "{}{}{}",
        to_v2("60s"),
        to_v2("120s").replace("v2", "v3"),
        to_v2("180s").replace("v2", "v4")
    );
    let text = scenario(
        3,
        "        revisionHistoryLimit: 1",
        "        startupDelay: 2s",
        &events,
    );
    let revisions = step_all(
        &text,
        |_| {},
        |sim| sim.deployment(WorkloadId(0)).expect("web").revisions(),
    );
    assert_eq!(revisions, vec![3, 4]);
}

/// A toRevision that never existed is reported in events.csv, and nothing changes.
#[test]
fn rollback_to_a_missing_revision_is_reported() {
    let events = "  - {at: 60s, type: rollback, deployment: web, toRevision: 7}\n";
    let text = scenario(2, "", "        startupDelay: 2s", events);
    let (revision, revisions) = step_all(
        &text,
        |_| {},
        |sim| {
            let d = sim.deployment(WorkloadId(0)).expect("web");
            (d.revision(), d.revisions())
        },
    );
    assert_eq!((revision, revisions), (Some(1), vec![1]));
}

/// Hand derivation (2 replicas, maxSurge 0, maxUnavailable 1, start-up 10 s, rollout at
/// 100 s, run 300 s): both pods available from 10 s; at 100 s one old pod goes (1
/// available), its replacement is available at 110 s, then the last old pod goes and its
/// replacement is available at 120 s. All desired available: [10, 100) ∪ [120, 300] =
/// 270 s of 300; at least 2 − 1: [10, 300] = 290 s.
#[test]
fn availability_matches_a_hand_derivation() {
    let text = scenario(
        2,
        "        strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}",
        "        startupDelay: 10s",
        &to_v2("100s"),
    )
    .replace("duration: 20m", "duration: 300s");
    let (_dir, out) = run_binary(&text);
    let get = |k: &str| -> f64 {
        common::summary(&out, k)
            .parse()
            .unwrap_or_else(|_| panic!("{k} is a number"))
    };
    assert!((get("availability[web]") - 270.0 / 300.0).abs() < 1e-6);
    assert!((get("availability_min[web]") - 290.0 / 300.0).abs() < 1e-6);
    // deployments.csv at 100 s shows the rollout's first step: 1 old pod gone, 1 new
    // pod starting (current 2 = 1 old + 1 new, updated 1, available 1).
    let rows = common::read_csv(&out.join("deployments.csv"));
    assert_eq!(
        rows[0],
        [
            "time_s",
            "deployment",
            "desired",
            "current",
            "ready",
            "available",
            "updated",
            "unavailable"
        ]
    );
    let at_100 = rows.iter().find(|r| r[0] == "100").expect("a row at 100 s");
    assert_eq!(at_100[1..], ["web", "2", "2", "1", "1", "1", "1"]);
}

/// Scaling mid-rollout spreads the change over the ReplicaSets in proportion.
#[test]
fn scale_during_a_stuck_rollout_is_proportional() {
    // Kubernetes' documented example: 10 replicas, maxSurge 3, maxUnavailable 2, a new
    // version that never starts; stuck at 8 old + 5 new, then scaled to 15 → 11 + 7.
    let events = "  - at: 60s
    type: rollout
    deployment: web
    template:
      metadata: {labels: {app: web, version: v2}}
      spec:
        containers:
          - name: app
            resources: {requests: {cpu: \"64\", memory: 1Gi}}
  - {at: 120s, type: scale, deployment: web, replicas: 15}
";
    let text = scenario(
        10,
        "        strategy: {rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}",
        "        startupDelay: 2s",
        events,
    );
    let s = common::scenario(&text);
    let (v1, v2) = (s.workloads[0].template, s.versions[0].template);
    let mut at_119 = None;
    let end = step_all(
        &text,
        |sim| {
            if sim.now() < 120 * S {
                at_119 = Some(view(sim, 0).alive_by_template);
            }
        },
        |sim| {
            let mut t = view(sim, 0).alive_by_template;
            t.sort();
            t
        },
    );
    let mut before = at_119.expect("events before 120 s");
    before.sort();
    // Terminated old pods are gone by then (30 s grace from 60 s).
    assert_eq!(before, vec![(v1, 8), (v2, 5)]);
    assert_eq!(end, vec![(v1, 11), (v2, 7)]);
}

/// The bundled bad-rollout scenario writes byte-identical files when run twice.
#[test]
fn bad_rollout_scenario_is_deterministic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |name: &str| {
        let out = dir.path().join(name);
        let o = common::kubesim(&[
            "run",
            "scenarios/bad-rollout.yaml",
            "--out",
            out.to_str().expect("utf-8"),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let (a, b) = (run("a"), run("b"));
    for f in ["deployments.csv", "events.csv", "summary.csv", "pods.csv"] {
        let read = |d: &std::path::Path| std::fs::read(d.join(f)).expect("file");
        assert_eq!(read(&a), read(&b), "{f} differs");
    }
    // The scenario does what its comments say: the v2 containers crash (every start, 3
    // to 12 s after it, before their 15 s readiness delay), so v2 never makes progress and
    // is rolled back once, at 120 s + progressDeadlineSeconds 300 s.
    assert_eq!(common::summary(&a, "rollbacks"), "1");
    let rows = common::read_csv(&a.join("events.csv"));
    let at = |event: &str| common::times(&rows, event);
    assert_eq!(at("progress_deadline_exceeded"), vec![420.0]);
    assert_eq!(at("rollback"), vec![420.0]);
    assert!(!at("container_crashed").is_empty());
    assert!(at("pod_ready").is_empty(), "no v2 pod was ever Ready");
    assert!(
        common::summary(&a, "restarts")
            .parse::<u32>()
            .expect("count")
            > 0
    );
}
