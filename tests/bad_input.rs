//! Bad input runs the real binary and must end in exit code 2 with one clear message on
//! stderr (`error: ` + the file + `line:column` or the field path + what is allowed), nothing
//! on stdout and no panic (DESIGN §6). Each case starts from [`BASE`], a small valid
//! scenario, and changes exactly one thing in it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A minimal valid scenario: one pool, one priority class, one Deployment and one Poisson
/// stream of Jobs. Every test alters one piece of it with [`scenario_with`].
const BASE: &str = "\
apiVersion: kubesim/v1
kind: Scenario
metadata:
  name: bad-input
duration: 10m
cluster:
  nodePools:
    - name: pool
      count: 2
      capacity: {cpu: 4, memory: 16Gi}
priorityClasses:
  - name: high
    value: 1000
workloads:
  deployments:
    - metadata:
        name: web
      spec:
        replicas: 2
        template:
          spec:
            containers:
              - name: app
                resources:
                  requests: {cpu: 500m, memory: 512Mi}
  jobs:
    - metadata:
        name: batch
      spec:
        template:
          spec:
            restartPolicy: Never
            containers:
              - name: work
                resources:
                  requests: {cpu: 1, memory: 1Gi}
      simulation:
        runTime: {constant: 30s}
        arrivals: {poisson: 1/min}
";

/// The name every scenario file gets; messages must name it.
const FILE: &str = "scenario.yaml";

/// What "refused quickly" means for the size-limit cases: the work is milliseconds, the rest
/// is process start-up on a busy test machine.
const QUICK: Duration = Duration::from_secs(1);

/// [`BASE`] with `from`, which must occur exactly once, replaced by `to`.
fn scenario_with(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "`{from}` must occur exactly once in the base scenario"
    );
    BASE.replacen(from, to, 1)
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the scenario"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// What one run of the binary did.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// A scratch folder holding one scenario file; the binary runs inside it, so that a run that
/// wrongly succeeds writes nothing into the source tree.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    /// Writes `contents` to [`FILE`] and returns its path.
    fn write(&self, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(FILE);
        std::fs::write(&path, contents).expect("write the scenario file");
        path
    }

    fn out_dir(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Runs `kubesim` with `args` in the scratch folder. On Linux the process's address
    /// space is capped at 1 GiB, so that input which makes kubesim allocate gigabytes fails
    /// the test instead of exhausting the machine.
    fn kubesim<S: AsRef<OsStr>>(&self, args: &[S]) -> Outcome {
        let exe = env!("CARGO_BIN_EXE_kubesim");
        let mut cmd = if cfg!(target_os = "linux") {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
                .arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE");
        let started = Instant::now();
        let out = cmd.output().expect("start the kubesim binary");
        Outcome {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    /// `kubesim run <file> --out <scratch>/out`.
    fn run(&self, file: &Path) -> Outcome {
        let out = self.out_dir();
        self.kubesim(&[
            OsStr::new("run"),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
    }

    /// `kubesim validate <file>`.
    fn validate(&self, file: &Path) -> Outcome {
        self.kubesim(&[OsStr::new("validate"), file.as_os_str()])
    }
}

/// Runs `kubesim run` on `contents` and checks the contract every bad input shares: exit code
/// 2, one `error: ` line naming the file, empty stdout, no panic, no output folder. Returns
/// the message.
fn refused(contents: impl AsRef<[u8]>) -> String {
    let scratch = Scratch::new();
    let file = scratch.write(contents);
    let outcome = scratch.run(&file);
    let message = assert_refused(&outcome, Some(FILE));
    assert!(
        !scratch.out_dir().exists(),
        "a refused scenario must not create the output folder"
    );
    message
}

/// The shared contract of a refusal; `names` is what the message must name (the file).
fn assert_refused(outcome: &Outcome, names: Option<&str>) -> String {
    let stderr = &outcome.stderr;
    for text in [&outcome.stdout, stderr] {
        assert!(
            !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
            "panic on bad input:\n{text}"
        );
    }
    assert_eq!(
        outcome.code,
        Some(2),
        "exit code must be 2 for bad input; stderr:\n{stderr}"
    );
    assert!(
        outcome.stdout.is_empty(),
        "stdout must be empty on bad input, got:\n{}",
        outcome.stdout
    );
    assert!(
        stderr.starts_with("error: "),
        "stderr must start with `error: `:\n{stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "stderr must be one message:\n{stderr}"
    );
    if let Some(name) = names {
        assert!(
            stderr.contains(name),
            "the message must name `{name}`:\n{stderr}"
        );
    }
    stderr.trim_end().to_string()
}

/// Asserts that the message points at `line:column` of the file.
fn assert_at(message: &str, (line, column): (usize, usize)) {
    let want = format!("{FILE}:{line}:{column}: ");
    assert!(
        message.contains(&want),
        "the message must point at {want:?}:\n{message}"
    );
}

/// Asserts that the message names the field `path` of the file.
fn assert_field(message: &str, path: &str) {
    let want = format!("{FILE}: {path}: ");
    assert!(
        message.contains(&want),
        "the message must name the field {want:?}:\n{message}"
    );
}

/// Asserts that the message contains every one of `parts`.
fn assert_says(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "the message must say {part:?}:\n{message}"
        );
    }
}

/// Asserts that the run took less than [`QUICK`].
fn assert_quick(outcome: &Outcome) {
    assert!(
        outcome.elapsed < QUICK,
        "bad input must be refused quickly, took {:?}",
        outcome.elapsed
    );
}

#[test]
fn base_scenario_is_valid() {
    let scratch = Scratch::new();
    let file = scratch.write(BASE);
    let outcome = scratch.validate(&file);
    assert_eq!(outcome.code, Some(0), "stderr:\n{}", outcome.stderr);
    assert!(outcome.stderr.is_empty(), "stderr:\n{}", outcome.stderr);
}

#[test]
fn malformed_yaml_unclosed_bracket() {
    let text = scenario_with(
        "capacity: {cpu: 4, memory: 16Gi}",
        "capacity: {cpu: 4, memory: 16Gi",
    );
    let m = refused(&text);
    // libyaml notices on the next line that the mapping never closed.
    let (line, _) = position_of(&text, "capacity:");
    assert!(
        m.contains(&format!("{FILE}:{}:", line + 1)),
        "must point at the line after the unclosed `{{`:\n{m}"
    );
    assert_says(
        &m,
        &[
            "expected ',' or '}'",
            &format!("starts at line {line} column"),
        ],
    );
}

#[test]
fn malformed_yaml_bad_indent() {
    let text = scenario_with("      count: 2", "     count: 2");
    let m = refused(&text);
    assert_at(&m, position_of(&text, "count:"));
}

#[test]
fn unknown_field_suggests_the_real_one() {
    let text = scenario_with("replicas: 2", "replcas: 2");
    let m = refused(&text);
    assert_at(&m, position_of(&text, "replcas"));
    assert_says(
        &m,
        &[
            "workloads.deployments[0].spec",
            "unknown field `replcas`",
            "did you mean `replicas`",
        ],
    );
}

#[test]
fn wrong_type_word_for_a_count() {
    let text = scenario_with("count: 2", "count: three");
    let m = refused(&text);
    assert_at(&m, position_of(&text, "three"));
    assert_says(
        &m,
        &["cluster.nodePools[0].count", "\"three\"", "whole number"],
    );
}

#[test]
fn wrong_type_list_where_a_map_is_expected() {
    let text = scenario_with(
        "capacity: {cpu: 4, memory: 16Gi}",
        "capacity: [cpu, memory]",
    );
    let m = refused(&text);
    assert_at(&m, position_of(&text, "[cpu"));
    assert_says(
        &m,
        &[
            "cluster.nodePools[0].capacity",
            "sequence",
            "expected a map",
        ],
    );
}

#[test]
fn zero_cpu_capacity() {
    let m = refused(scenario_with(
        "{cpu: 4, memory: 16Gi}",
        "{cpu: 0, memory: 16Gi}",
    ));
    assert_field(&m, "cluster.nodePools[0].capacity.cpu");
    assert_says(&m, &["above zero", "cpu: 4"]);
}

#[test]
fn negative_cpu_capacity() {
    let m = refused(scenario_with(
        "{cpu: 4, memory: 16Gi}",
        "{cpu: -2, memory: 16Gi}",
    ));
    assert_field(&m, "cluster.nodePools[0].capacity.cpu");
    assert_says(&m, &["`-2`", "negative", ">= 0"]);
}

#[test]
fn unparsable_quantity_suggests_binary_and_decimal_suffixes() {
    let text = scenario_with("memory: 16Gi", "memory: 2GB");
    let m = refused(&text);
    assert_at(&m, position_of(&text, "2GB"));
    assert_says(
        &m,
        &[
            "cluster.nodePools[0].capacity.memory",
            "`2GB`",
            "`Gi`",
            "`G`",
        ],
    );
}

#[test]
fn unparsable_duration() {
    let text = scenario_with("duration: 10m", "duration: 10 minutes");
    let m = refused(&text);
    assert_at(&m, position_of(&text, "10 minutes"));
    assert_says(&m, &["duration", "`10 minutes`", "1h30m"]);
}

#[test]
fn bare_number_duration_needs_a_unit() {
    let text = scenario_with("duration: 10m", "duration: 600");
    let m = refused(&text);
    assert_at(&m, position_of(&text, "600"));
    assert_says(&m, &["duration", "600s"]);
}

#[test]
fn empty_file() {
    let m = refused("");
    assert_at(&m, (1, 1));
    assert_says(&m, &["empty", "apiVersion: kubesim/v1"]);
}

#[test]
fn only_comments_and_whitespace() {
    let m = refused("# a scenario, one day\n\n   \n\t\n  # nothing yet\n");
    assert_at(&m, (1, 1));
    assert_says(&m, &["empty", "apiVersion: kubesim/v1"]);
}

#[test]
fn missing_file() {
    let scratch = Scratch::new();
    let file = scratch.dir.path().join("no-such-scenario.yaml");
    let outcome = scratch.run(&file);
    let m = assert_refused(&outcome, Some("no-such-scenario.yaml"));
    assert_says(&m, &["cannot read"]);
}

#[test]
fn billion_replicas_hit_the_limit_quickly() {
    let scratch = Scratch::new();
    let file = scratch.write(scenario_with("replicas: 2", "replicas: 1000000000"));
    let outcome = scratch.run(&file);
    let m = assert_refused(&outcome, Some(FILE));
    assert_quick(&outcome);
    assert_field(&m, "workloads.deployments[0].spec.replicas");
    assert_says(&m, &["1000000000", "limit of 1000000"]);
}

/// Nine levels of ten aliases each: a billion leaves if anything expanded them.
fn alias_bomb(indent: &str) -> String {
    let mut text =
        format!("{indent}l0: &l0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    for level in 1..=9 {
        let prev = format!("*l{}", level - 1);
        let items = [prev.as_str(); 10].join(",");
        text.push_str(&format!("{indent}l{level}: &l{level} [{items}]\n"));
    }
    text
}

#[test]
fn alias_bomb_document() {
    let scratch = Scratch::new();
    let file = scratch.write(alias_bomb(""));
    let outcome = scratch.run(&file);
    assert_refused(&outcome, Some(FILE));
    assert_quick(&outcome);
}

#[test]
fn alias_bomb_used_in_a_typed_field() {
    // The anchors sit in annotations (accepted, not modelled); the last one is then used
    // where labels belong.
    let bomb = alias_bomb("          ");
    let text = scenario_with(
        "        name: web\n      spec:\n        replicas: 2\n        template:\n",
        &format!(
            "        name: web\n        annotations:\n{bomb}      spec:\n        replicas: 2\n\
             \x20       template:\n          metadata:\n            labels: *l9\n"
        ),
    );
    let scratch = Scratch::new();
    let file = scratch.write(&text);
    let outcome = scratch.run(&file);
    let m = assert_refused(&outcome, Some(FILE));
    assert_quick(&outcome);
    // serde_yaml reports where the aliased value is written (the anchor), not the alias.
    assert_at(&m, position_of(&text, "&l9"));
    assert_says(&m, &["spec.template.metadata.labels", "expected a map"]);
}

#[test]
fn deep_nesting_of_brackets() {
    let text = scenario_with(
        "  name: bad-input\n",
        &format!("  name: bad-input\n  description: {}\n", "[".repeat(10_000)),
    );
    let scratch = Scratch::new();
    let file = scratch.write(&text);
    let outcome = scratch.run(&file);
    let m = assert_refused(&outcome, Some(FILE));
    assert_quick(&outcome);
    assert_says(&m, &["nests", "128 levels"]);
}

#[test]
fn deep_nesting_of_maps_where_anything_is_accepted() {
    // Annotations are skipped without being read, so only the nesting check stands between
    // this and a parser that slows down with every level.
    let text = scenario_with(
        "        name: web\n",
        &format!(
            "        name: web\n        annotations: {}x{}\n",
            "{a: ".repeat(10_000),
            "}".repeat(10_000)
        ),
    );
    let scratch = Scratch::new();
    let file = scratch.write(&text);
    let outcome = scratch.run(&file);
    let m = assert_refused(&outcome, Some(FILE));
    assert_quick(&outcome);
    let (line, _) = position_of(&text, "annotations:");
    assert!(m.contains(&format!("{FILE}:{line}:")), "{m}");
    assert_says(&m, &["nests", "128 levels"]);
}

#[test]
fn unknown_resource_name() {
    let m = refused(scenario_with(
        "{cpu: 500m, memory: 512Mi}",
        "{cpus: 1, memory: 512Mi}",
    ));
    assert_field(
        &m,
        "workloads.deployments[0].spec.template.spec.containers[0].resources.requests.cpus",
    );
    assert_says(
        &m,
        &["unknown resource `cpus`", "did you mean `cpu`", "memory"],
    );
}

#[test]
fn unknown_taint_effect_lists_the_allowed_ones() {
    let text = scenario_with(
        "      capacity: {cpu: 4, memory: 16Gi}\n",
        "      capacity: {cpu: 4, memory: 16Gi}\n      taints: [{key: dedicated, effect: Evict}]\n",
    );
    let m = refused(&text);
    assert_at(&m, position_of(&text, "Evict"));
    assert_says(
        &m,
        &[
            "cluster.nodePools[0].taints[0].effect",
            "`Evict`",
            "`NoSchedule`",
            "`PreferNoSchedule`",
            "`NoExecute`",
        ],
    );
}

#[test]
fn poisson_stream_without_duration_or_limit() {
    let m = refused(scenario_with("duration: 10m\n", ""));
    assert_field(&m, "duration");
    assert_says(
        &m,
        &[
            "workloads.jobs[0].simulation.arrivals",
            "set the scenario's `duration`",
            "`limit`",
        ],
    );
}

#[test]
fn node_name_of_a_node_that_does_not_exist() {
    let m = refused(scenario_with(
        "            restartPolicy: Never\n",
        "            restartPolicy: Never\n            nodeName: ghost-0\n",
    ));
    assert_field(&m, "workloads.jobs[0].spec.template.spec.nodeName");
    assert_says(&m, &["`ghost-0`", "`pool-0`"]);
}

#[test]
fn unknown_priority_class() {
    let m = refused(scenario_with(
        "            restartPolicy: Never\n",
        "            restartPolicy: Never\n            priorityClassName: urgent\n",
    ));
    assert_field(&m, "workloads.jobs[0].spec.template.spec.priorityClassName");
    assert_says(&m, &["`urgent`", "high"]);
}

#[test]
fn job_with_restart_policy_always() {
    let m = refused(scenario_with(
        "restartPolicy: Never",
        "restartPolicy: Always",
    ));
    assert_field(&m, "workloads.jobs[0].spec.template.spec.restartPolicy");
    assert_says(&m, &["`OnFailure`", "`Never`"]);
}

#[test]
fn command_line_duration_that_is_not_a_duration() {
    let scratch = Scratch::new();
    let file = scratch.write(BASE);
    let out = scratch.out_dir();
    let outcome = scratch.kubesim(&[
        OsStr::new("run"),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--duration".as_ref(),
        "abc".as_ref(),
    ]);
    let m = assert_refused(&outcome, Some("--duration"));
    assert_says(&m, &["`abc`", "30s"]);
    assert!(
        !out.exists(),
        "a refused run must not create the output folder"
    );
}

#[test]
fn file_that_is_not_utf8() {
    let mut bytes = BASE.as_bytes().to_vec();
    let (line, column) = position_of(BASE, "bad-input");
    let at = BASE.find("bad-input").expect("the base names the scenario");
    bytes[at] = 0xff;
    let m = refused(bytes);
    assert_at(&m, (line, column));
    assert_says(&m, &["not UTF-8", "0xff"]);
}

#[test]
fn validate_refuses_a_bad_file_like_run() {
    let text = scenario_with("replicas: 2", "replcas: 2");
    let scratch = Scratch::new();
    let file = scratch.write(&text);
    let validated = scratch.validate(&file);
    let m = assert_refused(&validated, Some(FILE));
    assert_says(&m, &["did you mean `replicas`"]);
    let ran = scratch.run(&file);
    assert_eq!(
        ran.stderr, validated.stderr,
        "run and validate give the same message"
    );
}

#[test]
fn validate_accepts_the_quickstart() {
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.yaml");
    let scratch = Scratch::new();
    let outcome = scratch.validate(&quickstart);
    assert_eq!(outcome.code, Some(0), "stderr:\n{}", outcome.stderr);
    assert!(
        outcome.stdout.contains("valid scenario `quickstart`"),
        "stdout:\n{}",
        outcome.stdout
    );
    assert!(
        !outcome.stderr.contains("error"),
        "stderr:\n{}",
        outcome.stderr
    );
}

#[test]
fn workload_name_that_collides_with_a_job_streams_pod_names() {
    // Stream `batch` names its Jobs batch-0, batch-1, …: a Deployment `batch-1` would share
    // pod names (batch-1-0) with them.
    let m = refused(scenario_with(
        "        name: web\n",
        "        name: batch-1\n",
    ));
    assert_field(&m, "workloads.deployments[0].metadata.name");
    assert_says(&m, &["`batch-1`", "`batch`", "rename"]);
}

#[test]
fn pinned_deployment_without_duration() {
    let text = scenario_with(
        "            containers:\n              - name: app\n",
        "            nodeName: pool-0\n            containers:\n              - name: app\n",
    )
    .replace("duration: 10m\n", "")
    .replace("        arrivals: {poisson: 1/min}\n", "");
    let m = refused(text);
    assert_field(&m, "duration");
    assert_says(&m, &["nodeName", "`duration`"]);
}

#[test]
fn reserved_node_label() {
    let m = refused(scenario_with(
        "      count: 2\n",
        "      count: 2\n      labels: {topology.kubernetes.io/zone: z1}\n",
    ));
    assert_field(
        &m,
        "cluster.nodePools[0].labels.topology.kubernetes.io/zone",
    );
    assert_says(&m, &["zones"]);
}

#[test]
fn invalid_namespace() {
    let m = refused(scenario_with(
        "        name: web\n",
        "        name: web\n        namespace: Prod_Team\n",
    ));
    assert_field(&m, "workloads.deployments[0].metadata.namespace");
    assert_says(&m, &["lowercase"]);
}

#[test]
fn command_line_duration_goes_through_the_same_checks() {
    // The scenario's warmup must be shorter than the duration, also when --duration sets it.
    let s = Scratch::new();
    let path = s.write(scenario_with(
        "duration: 10m\n",
        "duration: 10m\nmetrics: {warmup: 5m}\n",
    ));
    let out = s.out_dir();
    let o = s.kubesim(&[
        OsStr::new("run"),
        path.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("--duration"),
        OsStr::new("2m"),
    ]);
    let m = assert_refused(&o, Some(FILE));
    assert_field(&m, "metrics.warmup");
}

#[test]
fn node_name_of_a_node_that_joins_later() {
    let m = refused(scenario_with(
        "      capacity: {cpu: 4, memory: 16Gi}\n",
        "      capacity: {cpu: 4, memory: 16Gi}\n    - {name: late, count: 1, capacity: {cpu: 4, memory: 16Gi}, addedAt: 5m}\n",
    ).replace(
        "            containers:\n              - name: app\n",
        "            nodeName: late-0\n            containers:\n              - name: app\n",
    ));
    assert_field(&m, "workloads.deployments[0].spec.template.spec.nodeName");
    assert_says(&m, &["`late-0`", "later"]);
}

#[test]
fn validate_takes_the_same_overrides_as_run() {
    // Without a duration a pinned Deployment is refused; `--duration` satisfies the rule
    // for validate exactly as it does for run.
    let s = Scratch::new();
    let path = s.write(
        scenario_with(
            "            containers:\n              - name: app\n",
            "            nodeName: pool-0\n            containers:\n              - name: app\n",
        )
        .replace("duration: 10m\n", "")
        .replace("        arrivals: {poisson: 1/min}\n", ""),
    );
    let refused = s.kubesim(&[OsStr::new("validate"), path.as_os_str()]);
    assert_eq!(refused.code, Some(2));
    let ok = s.kubesim(&[
        OsStr::new("validate"),
        path.as_os_str(),
        OsStr::new("--duration"),
        OsStr::new("10m"),
    ]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
}

/// [`BASE`] with a `scheduler:` section holding `section` (indented by two spaces).
fn with_scheduler(section: &str) -> String {
    let indented: String = section.lines().map(|l| format!("  {l}\n")).collect();
    scenario_with(
        "priorityClasses:\n",
        &format!("scheduler:\n{indented}priorityClasses:\n"),
    )
}

/// [`BASE`] with `lines` added to the Deployment's pod spec (indented like its fields).
fn with_pod_spec(lines: &str) -> String {
    let indented: String = lines
        .lines()
        .map(|l| format!("            {l}\n"))
        .collect();
    scenario_with(
        "            containers:\n              - name: app\n",
        &format!("{indented}            containers:\n              - name: app\n"),
    )
}

const POD_SPEC: &str = "workloads.deployments[0].spec.template.spec";

#[test]
fn unknown_plugin_name_lists_the_modelled_ones() {
    let m = refused(with_scheduler(
        "profiles:\n  - schedulerName: packer\n    plugins:\n      score:\n        enabled: [{name: NodeResourceFit, weight: 2}]\n",
    ));
    assert_field(&m, "scheduler.profiles[0].plugins.score.enabled[0].name");
    assert_says(
        &m,
        &[
            "unknown plugin `NodeResourceFit`",
            "did you mean `NodeResourcesFit`",
            "InterPodAffinity",
            "ImageLocality",
        ],
    );
}

#[test]
fn plugin_weight_zero_is_accepted_but_101_is_not() {
    let scratch = Scratch::new();
    let zero = with_scheduler(
        "profiles:\n  - schedulerName: packer\n    plugins:\n      score:\n        enabled: [{name: NodeAffinity, weight: 0}]\n",
    );
    let outcome = scratch.validate(&scratch.write(&zero));
    assert_eq!(outcome.code, Some(0), "stderr:\n{}", outcome.stderr);
    let m = refused(zero.replace("weight: 0", "weight: 101"));
    assert_field(&m, "scheduler.profiles[0].plugins.score.enabled[0].weight");
    assert_says(&m, &["101", "between 1 and 100"]);
}

#[test]
fn gt_with_two_values() {
    let m = refused(with_pod_spec(
        "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n        - matchExpressions: [{key: cores, operator: Gt, values: ['4', '8']}]\n",
    ));
    assert_field(
        &m,
        &format!(
            "{POD_SPEC}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values"
        ),
    );
    assert_says(&m, &["exactly one", "integer"]);
}

#[test]
fn anti_affinity_term_without_topology_key() {
    let m = refused(with_pod_spec(
        "affinity:\n  podAntiAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      - labelSelector: {matchLabels: {app: web}}\n",
    ));
    assert_field(
        &m,
        &format!(
            "{POD_SPEC}.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"
        ),
    );
    assert_says(&m, &["required", "kubernetes.io/hostname"]);
}

#[test]
fn scheduler_name_that_names_no_profile() {
    let m = refused(with_pod_spec("schedulerName: packer\n"));
    assert_field(&m, &format!("{POD_SPEC}.schedulerName"));
    assert_says(&m, &["`packer`", "default-scheduler", "scheduler.profiles"]);
}

#[test]
fn unknown_scheduler_policy_lists_policies_and_profiles() {
    let m = refused(with_scheduler(
        "policy: most-alocated\nprofiles: [{schedulerName: packer, policy: best-fit}]\n",
    ));
    assert_field(&m, "scheduler.policy");
    assert_says(
        &m,
        &[
            "`most-alocated`",
            "did you mean `most-allocated`",
            "round-robin",
            "packer",
        ],
    );
}

#[test]
fn requested_to_capacity_ratio_shape_not_increasing() {
    let m = refused(with_scheduler(
        "profiles:
  - schedulerName: packer
    pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: RequestedToCapacityRatio
            requestedToCapacityRatio:
              shape: [{utilization: 0, score: 0}, {utilization: 80, score: 5}, {utilization: 60, score: 10}]
",
    ));
    assert_field(
        &m,
        "scheduler.profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[2].utilization",
    );
    assert_says(&m, &["60", "80", "strictly increasing"]);
}

#[test]
fn percentage_of_nodes_to_score_above_100() {
    let m = refused(with_scheduler("percentageOfNodesToScore: 101\n"));
    assert_field(&m, "scheduler.percentageOfNodesToScore");
    assert_says(&m, &["101", "between 0 and 100"]);
}

#[test]
fn max_backoff_below_initial_backoff() {
    let m = refused(with_scheduler(
        "podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n",
    ));
    assert_field(&m, "scheduler.podMaxBackoffSeconds");
    assert_says(&m, &["2", "podInitialBackoffSeconds (5)"]);
}

#[test]
fn spread_constraint_with_unknown_when_unsatisfiable() {
    let text = with_pod_spec(
        "topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedul}]\n",
    );
    let m = refused(&text);
    assert_at(&m, position_of(&text, "DoNotSchedul}"));
    assert_says(
        &m,
        &[
            "whenUnsatisfiable",
            "`DoNotSchedul`",
            "did you mean `DoNotSchedule`",
        ],
    );
}

// ---- Scheduled `events:` ----

/// [`BASE`] with one `events:` entry appended.
fn with_event(entry: &str) -> String {
    format!("{BASE}events:\n  - {entry}\n")
}

#[test]
fn event_names_an_unknown_node() {
    let m = refused(with_event("{at: 1m, type: cordon, nodes: [pool-7]}"));
    assert_field(&m, "events[0].nodes[0]");
    assert_says(&m, &["no node `pool-7`"]);
}

#[test]
fn event_names_an_unknown_pool() {
    let m = refused(with_event("{at: 1m, type: uncordon, pool: pol}"));
    assert_field(&m, "events[0].pool");
    assert_says(&m, &["no node pool `pol`", "pool"]);
}

#[test]
fn event_after_the_end_of_the_run() {
    let m = refused(with_event("{at: 11m, type: cordon, pool: pool}"));
    assert_field(&m, "events[0].at");
    assert_says(&m, &["after the end of the run", "600 s"]);
}

#[test]
fn event_of_an_unknown_type() {
    let text = with_event("{at: 1m, type: cordn, pool: pool}");
    let m = refused(&text);
    assert_says(&m, &["cordn", "cordon"]);
}

#[test]
fn event_count_larger_than_the_pool() {
    let m = refused(with_event("{at: 1m, type: cordon, pool: pool, count: 3}"));
    assert_field(&m, "events[0].count");
    assert_says(&m, &["between 1 and the pool's 2 nodes", "3"]);
}

// ---- Container crashes, readiness and checkpoints ----

/// [`BASE`] with `lines` added to the Job's `simulation:` (at its indentation).
fn with_job_simulation(lines: &str) -> String {
    scenario_with(
        "        runTime: {constant: 30s}\n",
        &format!("        runTime: {{constant: 30s}}\n        {lines}\n"),
    )
}

/// [`BASE`] with `lines` as the Deployment's `simulation:` map.
fn with_deployment_simulation(map: &str) -> String {
    scenario_with(
        "                  requests: {cpu: 500m, memory: 512Mi}\n",
        &format!(
            "                  requests: {{cpu: 500m, memory: 512Mi}}\n      simulation: {map}\n"
        ),
    )
}

#[test]
fn crash_probability_below_zero() {
    let m = refused(with_job_simulation("crash: {probability: -0.1}"));
    assert_field(&m, "workloads.jobs[0].simulation.crash.probability");
    assert_says(&m, &["-0.1", "from 0 to 1"]);
}

#[test]
fn crash_probability_above_one() {
    let m = refused(with_deployment_simulation("{crash: {probability: 1.5}}"));
    assert_field(&m, "workloads.deployments[0].simulation.crash.probability");
    assert_says(&m, &["1.5", "from 0 to 1"]);
}

#[test]
fn crash_probability_that_is_not_a_number() {
    let text = with_job_simulation("crash: {probability: often}");
    let m = refused(&text);
    assert_at(&m, position_of(&text, "often"));
    assert_says(&m, &["often", "expected a number"]);
}

#[test]
fn crash_with_neither_time_nor_probability() {
    let m = refused(with_deployment_simulation("{crash: {}}"));
    assert_field(&m, "workloads.deployments[0].simulation.crash");
    assert_says(&m, &["timeToCrash", "probability"]);
}

#[test]
fn crash_after_without_probability() {
    let m = refused(with_job_simulation("crash: {timeToCrash: 1m, after: 5s}"));
    assert_field(&m, "workloads.jobs[0].simulation.crash.after");
    assert_says(&m, &["give `probability` too"]);
}

#[test]
fn crash_with_a_negative_time_to_crash() {
    let m = refused(with_job_simulation(
        "crash: {timeToCrash: {uniform: {min: -5s, max: 10s}}}",
    ));
    assert_says(&m, &["-5s"]);
}

#[test]
fn crash_with_an_unknown_key() {
    let text = with_job_simulation("crash: {timeToCrsh: 1m}");
    let m = refused(&text);
    assert_says(
        &m,
        &["unknown field `timeToCrsh`", "did you mean `timeToCrash`"],
    );
}

#[test]
fn crash_on_a_container_is_not_a_kubernetes_field() {
    // Crash behaviour is simulation-only: it belongs under `simulation:`, not in the pod.
    let text = scenario_with(
        "- name: app\n",
        "- name: app\n                crash: {probability: 0.5}\n",
    );
    let m = refused(&text);
    assert_at(&m, position_of(&text, "crash:"));
    assert_says(&m, &["unknown field `crash`"]);
}

#[test]
fn checkpoint_interval_zero() {
    let m = refused(with_job_simulation("checkpointInterval: 0s"));
    assert_field(&m, "workloads.jobs[0].simulation.checkpointInterval");
    assert_says(&m, &["longer than 0s"]);
}

#[test]
fn checkpoint_interval_on_a_deployment() {
    let m = refused(with_deployment_simulation("{checkpointInterval: 30s}"));
    assert_field(&m, "workloads.deployments[0].simulation.checkpointInterval");
    assert_says(&m, &["Job", "no work to save"]);
}

#[test]
fn readiness_initial_delay_below_zero() {
    let text = scenario_with(
        "- name: app\n",
        "- name: app\n                readinessProbe: {initialDelaySeconds: -3}\n",
    );
    let m = refused(&text);
    assert_field(
        &m,
        "workloads.deployments[0].spec.template.spec.containers[0].readinessProbe.initialDelaySeconds",
    );
    assert_says(&m, &["-3", "from 0"]);
}

#[test]
fn readiness_probe_with_an_unknown_key() {
    let text = scenario_with(
        "- name: app\n",
        "- name: app\n                readinessProbe: {initialDelaySecond: 3}\n",
    );
    let m = refused(&text);
    assert_says(
        &m,
        &[
            "unknown field `initialDelaySecond`",
            "did you mean `initialDelaySeconds`",
        ],
    );
}

#[test]
fn readiness_probe_on_a_plain_init_container() {
    let text = scenario_with(
        "            containers:\n              - name: app\n",
        "            initContainers:\n              - {name: setup, readinessProbe: {initialDelaySeconds: 1}}\n            containers:\n              - name: app\n",
    );
    let m = refused(&text);
    assert_field(
        &m,
        "workloads.deployments[0].spec.template.spec.initContainers[0].readinessProbe",
    );
    assert_says(&m, &["sidecars", "restartPolicy: Always"]);
}

// ---- Rollouts ----

/// A `rollout` event of Deployment `deployment` to a template with `labels`.
fn rollout_event(deployment: &str, labels: &str) -> String {
    format!(
        "{{at: 1m, type: rollout, deployment: {deployment}, template: {{metadata: {{labels: {labels}}}, \
         spec: {{containers: [{{name: app, resources: {{requests: {{cpu: 1}}}}}}]}}}}}}"
    )
}

#[test]
fn rollout_of_a_deployment_that_does_not_exist() {
    let m = refused(with_event(&rollout_event("webb", "{}")));
    assert_field(&m, "events[0].deployment");
    assert_says(&m, &["no Deployment `webb`", "did you mean `web`"]);
}

#[test]
fn rollback_and_scale_of_a_deployment_that_does_not_exist() {
    let m = refused(with_event("{at: 1m, type: rollback, deployment: api}"));
    assert_field(&m, "events[0].deployment");
    assert_says(&m, &["no Deployment `api`", "web"]);
    let m = refused(with_event(
        "{at: 1m, type: scale, deployment: wb, replicas: 3}",
    ));
    assert_field(&m, "events[0].deployment");
    assert_says(&m, &["did you mean `web`"]);
}

#[test]
fn rollout_of_a_job() {
    let m = refused(with_event(&rollout_event("batch", "{}")));
    assert_field(&m, "events[0].deployment");
    assert_says(&m, &["`batch` is a Job", "Deployments"]);
}

#[test]
fn rollout_template_labels_that_do_not_match_the_selector() {
    let base = scenario_with(
        "        replicas: 2\n        template:\n          spec:\n",
        "        replicas: 2\n        selector: {matchLabels: {app: web}}\n        template:\n          \
         metadata: {labels: {app: web}}\n          spec:\n",
    );
    let text = format!(
        "{base}events:\n  - {}\n",
        rollout_event("web", "{app: api}")
    );
    let m = refused(text);
    assert_field(&m, "events[0].template.metadata.labels");
    assert_says(&m, &["selector", "app"]);
}

#[test]
fn max_surge_that_is_not_a_count_or_a_percent() {
    let m = refused(scenario_with(
        "replicas: 2",
        "replicas: 2\n        strategy: {rollingUpdate: {maxSurge: oops}}",
    ));
    assert_field(
        &m,
        "workloads.deployments[0].spec.strategy.rollingUpdate.maxSurge",
    );
    assert_says(&m, &["`oops`", "percent", "25%"]);
}

#[test]
fn max_surge_and_max_unavailable_both_zero() {
    let m = refused(scenario_with(
        "replicas: 2",
        "replicas: 2\n        strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0%}}",
    ));
    assert_field(
        &m,
        "workloads.deployments[0].spec.strategy.rollingUpdate.maxUnavailable",
    );
    assert_says(&m, &["may not be 0 when `maxSurge` is 0"]);
}

#[test]
fn rollback_to_revision_zero() {
    let m = refused(with_event(
        "{at: 1m, type: rollback, deployment: web, toRevision: 0}",
    ));
    assert_field(&m, "events[0].toRevision");
    assert_says(&m, &["count from 1", "leave it out"]);
}

#[test]
fn scale_to_negative_replicas() {
    let m = refused(with_event(
        "{at: 1m, type: scale, deployment: web, replicas: -1}",
    ));
    assert_field(&m, "events[0].replicas");
    assert_says(&m, &["-1", "negative", "0 or more"]);
}

#[test]
fn scale_beyond_the_replica_limit() {
    let m = refused(with_event(
        "{at: 1m, type: scale, deployment: web, replicas: 2000000}",
    ));
    assert_field(&m, "events[0].replicas");
    assert_says(&m, &["limit"]);
}

// ---- Node failures ----

#[test]
fn node_failure_names_an_unknown_node() {
    let m = refused(with_event("{at: 1m, type: node_failure, nodes: [pool-9]}"));
    assert_field(&m, "events[0].nodes[0]");
    assert_says(&m, &["no node `pool-9`"]);
}

#[test]
fn node_failure_names_an_unknown_pool() {
    let m = refused(with_event("{at: 1m, type: node_failure, pool: gpu}"));
    assert_field(&m, "events[0].pool");
    assert_says(&m, &["no node pool `gpu`", "pool"]);
}

#[test]
fn node_failure_count_zero_or_larger_than_the_pool() {
    for count in ["0", "3"] {
        let m = refused(with_event(&format!(
            "{{at: 1m, type: node_failure, pool: pool, count: {count}}}"
        )));
        assert_field(&m, "events[0].count");
        assert_says(&m, &["between 1 and the pool's 2 nodes"]);
    }
}

#[test]
fn node_failure_repair_after_zero() {
    let m = refused(with_event(
        "{at: 1m, type: node_failure, nodes: [pool-0], repairAfter: 0s}",
    ));
    assert_field(&m, "events[0].repairAfter");
    assert_says(&m, &["more than 0s"]);
}

#[test]
fn node_failure_repair_after_negative() {
    let m = refused(with_event(
        "{at: 1m, type: node_failure, nodes: [pool-0], repairAfter: -5m}",
    ));
    // Inside an internally tagged entry serde can only point at the entry itself.
    assert_says(&m, &["events", "-5m", "must not be negative"]);
}

#[test]
fn zone_outage_names_a_zone_that_does_not_exist() {
    let text = scenario_with(
        "      count: 2\n",
        "      count: 2\n      zones: [us-east-1a, us-east-1b]\n",
    );
    let m = refused(format!(
        "{text}events:\n  - {{at: 1m, type: zone_outage, zone: us-east-1c, duration: 10m}}\n"
    ));
    assert_field(&m, "events[0].zone");
    assert_says(&m, &["no zone `us-east-1c`", "us-east-1a, us-east-1b"]);
}

#[test]
fn zone_outage_in_a_cluster_without_zones() {
    let m = refused(with_event(
        "{at: 1m, type: zone_outage, zone: a, duration: 10m}",
    ));
    assert_field(&m, "events[0].zone");
    assert_says(&m, &["no zones", "zones:"]);
}

#[test]
fn zone_outage_without_a_positive_duration() {
    let text = scenario_with("      count: 2\n", "      count: 2\n      zones: [a]\n");
    let m = refused(format!(
        "{text}events:\n  - {{at: 1m, type: zone_outage, zone: a, duration: 0s}}\n"
    ));
    assert_field(&m, "events[0].duration");
    assert_says(&m, &["more than 0s"]);
    let m = refused(format!(
        "{text}events:\n  - {{at: 1m, type: zone_outage, zone: a}}\n"
    ));
    assert_says(&m, &["duration"]);
}

#[test]
fn pool_failures_without_time_to_repair() {
    let m = refused(scenario_with(
        "      count: 2\n",
        "      count: 2\n      failures: {timeToFailure: {exponential: {mean: 1h}}}\n",
    ));
    assert_field(&m, "cluster.nodePools[0].failures.timeToRepair");
    assert_says(&m, &["required"]);
}

#[test]
fn pool_failures_with_an_unknown_field() {
    let m = refused(scenario_with(
        "      count: 2\n",
        "      count: 2\n      failures: {timeToFailure: 1h, timeToRepair: 5m, mtbf: 1h}\n",
    ));
    assert_says(&m, &["mtbf"]);
}

#[test]
fn pool_failures_too_frequent() {
    let m = refused(scenario_with(
        "      count: 2\n",
        "      count: 2\n      failures: {timeToFailure: 1ns, timeToRepair: 1ns}\n",
    ));
    assert_field(&m, "cluster.nodePools[0].failures");
    assert_says(&m, &["node failures expected", "limit"]);
}

#[test]
fn node_lifecycle_out_of_range() {
    for (field, value, says) in [
        ("nodeEvictionRate", "-1", "between 1e-9 and 1000"),
        ("unhealthyZoneThreshold", "1.5", "at most 1"),
        ("largeClusterSizeThreshold", "0", "at least 1"),
        ("nodeMonitorPeriod", "0s", "more than 0s"),
    ] {
        let m = refused(format!("{BASE}nodeLifecycle: {{{field}: {value}}}\n"));
        assert_field(&m, &format!("nodeLifecycle.{field}"));
        assert_says(&m, &[says]);
    }
}

#[test]
fn toleration_seconds_without_no_execute() {
    let m = refused(scenario_with(
        "            restartPolicy: Never\n",
        "            restartPolicy: Never\n            tolerations: [{key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 60}]\n",
    ));
    assert_field(
        &m,
        "workloads.jobs[0].spec.template.spec.tolerations[0].tolerationSeconds",
    );
    assert_says(&m, &["NoExecute"]);
}

#[test]
fn pool_failures_without_a_duration() {
    let text = scenario_with(
        "      count: 2\n",
        "      count: 2\n      failures: {timeToFailure: 1h, timeToRepair: 5m}\n",
    )
    .replace("duration: 10m\n", "")
    .replace(
        "        arrivals: {poisson: 1/min}\n",
        "        arrivals: {times: [1m]}\n",
    );
    let m = refused(text);
    assert_field(&m, "cluster.nodePools[0].failures");
    assert_says(&m, &["needs a `duration`"]);
}

// ---- Disruption budgets, quotas and drains ----

/// [`BASE`] with a top-level section appended (`podDisruptionBudgets:`, …).
fn with_section(section: &str) -> String {
    format!("{BASE}{section}")
}

/// [`BASE`] with one budget of spec `spec` selecting `app: web`.
fn with_pdb(spec: &str) -> String {
    with_section(&format!(
        "podDisruptionBudgets:\n  - metadata: {{name: b}}\n    spec: {{{spec}selector: {{matchLabels: {{app: web}}}}}}\n"
    ))
}

#[test]
fn pdb_with_both_min_available_and_max_unavailable() {
    let m = refused(with_pdb("minAvailable: 1, maxUnavailable: 1, "));
    assert_field(&m, "podDisruptionBudgets[0].spec");
    assert_says(&m, &["both minAvailable and maxUnavailable", "only one"]);
}

#[test]
fn pdb_with_neither_budget() {
    let m = refused(with_pdb(""));
    assert_field(&m, "podDisruptionBudgets[0].spec");
    assert_says(&m, &["neither minAvailable nor maxUnavailable", "\"50%\""]);
}

#[test]
fn pdb_with_a_bad_percentage() {
    let m = refused(with_pdb("minAvailable: \"fifty%\", "));
    assert_field(&m, "podDisruptionBudgets[0].spec.minAvailable");
    assert_says(&m, &["`fifty%`", "\"25%\""]);
    let m = refused(with_pdb("maxUnavailable: 150%, "));
    assert_field(&m, "podDisruptionBudgets[0].spec.maxUnavailable");
    assert_says(&m, &["150% is more than 100%"]);
}

#[test]
fn pdb_with_a_negative_count() {
    let m = refused(with_pdb("minAvailable: -1, "));
    assert_field(&m, "podDisruptionBudgets[0].spec.minAvailable");
    assert_says(&m, &["-1 is negative"]);
}

#[test]
fn pdb_without_a_selector() {
    let m = refused(with_section(
        "podDisruptionBudgets:\n  - metadata: {name: b}\n    spec: {minAvailable: 1}\n",
    ));
    assert_field(&m, "podDisruptionBudgets[0].spec.selector");
    assert_says(&m, &["missing or empty", "matchLabels"]);
}

#[test]
fn quota_with_an_unknown_resource() {
    let m = refused(with_section(
        "resourceQuotas:\n  - metadata: {name: q}\n    spec: {hard: {requests.cpus: 2}}\n",
    ));
    assert_field(&m, "resourceQuotas[0].spec.hard.requests.cpus");
    assert_says(
        &m,
        &[
            "unknown quota resource `requests.cpus`",
            "did you mean `requests.cpu`",
            "count/jobs.batch",
            "limits.memory",
        ],
    );
}

#[test]
fn quota_with_a_negative_quantity() {
    let m = refused(with_section(
        "resourceQuotas:\n  - metadata: {name: q}\n    spec: {hard: {pods: -3}}\n",
    ));
    assert_field(&m, "resourceQuotas[0].spec.hard.pods");
    assert_says(&m, &["negative"]);
}

#[test]
fn quota_on_limits_needs_every_container_to_set_them() {
    let m = refused(with_section(
        "resourceQuotas:\n  - metadata: {name: q}\n    spec: {hard: {limits.cpu: 8}}\n",
    ));
    assert_field(
        &m,
        "workloads.deployments[0].spec.template.spec.containers[0].resources.limits.cpu",
    );
    assert_says(&m, &["must specify limits.cpu", "ResourceQuota `q`"]);
}

#[test]
fn drain_of_an_unknown_node_or_pool() {
    let m = refused(with_event("{at: 1m, type: drain, nodes: [pool-9]}"));
    assert_field(&m, "events[0].nodes[0]");
    assert_says(&m, &["no node `pool-9`"]);
    let m = refused(with_event("{at: 1m, type: drain, pool: poool}"));
    assert_field(&m, "events[0].pool");
    assert_says(&m, &["no node pool `poool`"]);
}

#[test]
fn drain_with_a_negative_uncordon_after() {
    let m = refused(with_event(
        "{at: 1m, type: drain, pool: pool, uncordonAfter: -5s}",
    ));
    assert_says(&m, &["must not be negative"]);
}

#[test]
fn pdb_with_a_fractional_count() {
    let m = refused(with_pdb("maxUnavailable: 1.5, "));
    assert_says(
        &m,
        &[
            "maxUnavailable",
            "1.5",
            "an integer (2) or a percentage string",
        ],
    );
}

#[test]
fn event_names_a_node_before_its_pool_joins() {
    let text = format!(
        "{}    - {{name: late, count: 1, addedAt: 1h, capacity: {{cpu: 4, memory: 16Gi}}}}\n",
        BASE.split("priorityClasses:").next().expect("base")
    ) + "priorityClasses:"
        + BASE.split("priorityClasses:").nth(1).expect("base")
        + "events:\n  - {at: 5m, type: drain, nodes: [late-0]}\n";
    let m = refused(&text);
    assert_field(&m, "events[0].nodes[0]");
    assert_says(
        &m,
        &[
            "`late-0` joins the cluster",
            "3600 s",
            "move the event later",
        ],
    );
}

// ---- Services ----

/// [`BASE`] with the Deployment's pods labelled `app: web`, `serving` (a flow map, or
/// empty) as their `simulation.serving`, and `services` (list entries) as its Services.
fn with_services_serving(serving: &str, services: &str) -> String {
    let mut text = scenario_with(
        "        template:\n          spec:\n            containers:\n              - name: app\n",
        "        template:\n          metadata: {labels: {app: web}}\n          spec:\n            containers:\n              - name: app\n",
    );
    if !serving.is_empty() {
        text = text.replacen(
            "                  requests: {cpu: 500m, memory: 512Mi}\n",
            &format!(
                "                  requests: {{cpu: 500m, memory: 512Mi}}\n      simulation: {{serving: {serving}}}\n"
            ),
            1,
        );
    }
    format!("{text}services:\n{services}")
}

/// [`with_services_serving`] with no `serving`.
fn with_services(services: &str) -> String {
    with_services_serving("", services)
}

/// One Service `web` over the Deployment's pods, `spec` and `simulation` as given (flow
/// map entries, without braces).
fn web_service(spec: &str, simulation: &str) -> String {
    format!(
        "  - metadata: {{name: web}}\n    spec: {{type: LoadBalancer, selector: {{app: web}}{spec}}}\n    simulation: {{demand: 10ms, traffic: {{poisson: 10/s}}{simulation}}}\n"
    )
}

/// A ClusterIP Service `name` with demand 10 ms and `simulation` entries.
fn backend(name: &str, simulation: &str) -> String {
    format!(
        "  - metadata: {{name: {name}}}\n    spec: {{selector: {{app: web}}}}\n    simulation: {{demand: 10ms{simulation}}}\n"
    )
}

#[test]
fn services_base_is_valid() {
    let scratch = Scratch::new();
    let file = scratch.write(with_services(
        &(web_service("", ", calls: [{service: db}]") + &backend("db", "")),
    ));
    let outcome = scratch.validate(&file);
    assert_eq!(outcome.code, Some(0), "stderr:\n{}", outcome.stderr);
    assert!(outcome.stderr.is_empty(), "stderr:\n{}", outcome.stderr);
}

#[test]
fn unknown_load_balancer_lists_the_policies() {
    let m = refused(with_services(&web_service("", ", loadBalancer: fastest")));
    assert_field(&m, "services[0].simulation.loadBalancer");
    assert_says(
        &m,
        &["unknown load balancer `fastest`", "round-robin", "random"],
    );
}

#[test]
fn cluster_ip_service_with_external_traffic() {
    let m = refused(with_services(
        &web_service("", "").replace("type: LoadBalancer", "type: ClusterIP"),
    ));
    assert_field(&m, "services[0].simulation.traffic");
    assert_says(&m, &["LoadBalancer", "NodePort", "spec.type"]);
}

#[test]
fn service_without_a_selector_or_with_an_empty_one() {
    for spec in ["{type: LoadBalancer}", "{type: LoadBalancer, selector: {}}"] {
        let m = refused(with_services(
            &web_service("", "").replace("{type: LoadBalancer, selector: {app: web}}", spec),
        ));
        assert_field(&m, "services[0].spec.selector");
        assert_says(&m, &["is required", "{app: web}"]);
    }
}

#[test]
fn service_without_demand() {
    let m = refused(with_services(
        &web_service("", "").replace("demand: 10ms, ", ""),
    ));
    assert_field(&m, "services[0].simulation.demand");
    assert_says(&m, &["is required", "exponential"]);
}

#[test]
fn call_to_an_unknown_service_suggests_the_real_one() {
    let m = refused(with_services(
        &(web_service("", ", calls: [{service: bakend}]") + &backend("backend", "")),
    ));
    assert_field(&m, "services[0].simulation.calls[0].service");
    assert_says(
        &m,
        &[
            "no Service `bakend` in namespace `default`",
            "did you mean `backend`",
        ],
    );
}

#[test]
fn calls_that_form_a_cycle_are_named() {
    let m = refused(with_services(
        &(web_service("", ", calls: [{service: a}]")
            + &backend("a", ", calls: [{service: b}]")
            + &backend("b", ", calls: [{service: a}]")),
    ));
    assert_field(&m, "services");
    assert_says(&m, &["cycle", "a → b → a"]);
}

#[test]
fn call_fan_out_zero() {
    let m = refused(with_services(
        &(web_service("", ", calls: [{service: db, fanOut: 0}]") + &backend("db", "")),
    ));
    assert_field(&m, "services[0].simulation.calls[0].fanOut");
    assert_says(&m, &["must be from 1 to 1000"]);
}

#[test]
fn call_probability_zero_or_above_one() {
    for p in ["0", "1.5"] {
        let m = refused(with_services(
            &(web_service("", &format!(", calls: [{{service: db, probability: {p}}}]"))
                + &backend("db", "")),
        ));
        assert_field(&m, "services[0].simulation.calls[0].probability");
        assert_says(&m, &["must be more than 0 and at most 1"]);
    }
}

#[test]
fn serving_with_zero_workers() {
    let m = refused(with_services_serving("{workers: 0}", &web_service("", "")));
    assert_field(&m, "workloads.deployments[0].simulation.serving.workers");
    assert_says(&m, &["must be from 1 to 100000"]);
}

#[test]
fn serving_queue_capacity_above_u32() {
    let m = refused(with_services_serving(
        "{queueCapacity: 4294967296}",
        &web_service("", ""),
    ));
    assert_field(
        &m,
        "workloads.deployments[0].simulation.serving.queueCapacity",
    );
    assert_says(&m, &["at most 4294967295", "left out for no limit"]);
}

#[test]
fn retries_attempts_zero_or_above_100() {
    for n in ["0", "101"] {
        let m = refused(with_services(&web_service(
            "",
            &format!(", retries: {{attempts: {n}}}"),
        )));
        assert_field(&m, "services[0].simulation.retries.attempts");
        assert_says(&m, &["must be from 1 to 100"]);
    }
}

#[test]
fn retry_budget_below_zero() {
    let m = refused(with_services(&web_service(
        "",
        ", retries: {attempts: 2, budget: -1}",
    )));
    assert_field(&m, "services[0].simulation.retries.budget");
    assert_says(&m, &["must be from 0 to 100", "0.2"]);
}

#[test]
fn session_affinity_config_without_client_ip() {
    let m = refused(with_services(&web_service(
        ", sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}",
        "",
    )));
    assert_field(&m, "services[0].spec.sessionAffinityConfig");
    assert_says(&m, &["sessionAffinity: ClientIP"]);
}

#[test]
fn session_affinity_timeout_out_of_range() {
    for t in ["0", "86401"] {
        let m = refused(with_services(&web_service(
            &format!(
                ", sessionAffinity: ClientIP, sessionAffinityConfig: {{clientIP: {{timeoutSeconds: {t}}}}}"
            ),
            "",
        )));
        assert_field(
            &m,
            "services[0].spec.sessionAffinityConfig.clientIP.timeoutSeconds",
        );
        assert_says(&m, &["must be from 1 to 86400"]);
    }
}

#[test]
fn request_timeout_of_zero() {
    let m = refused(with_services(&web_service("", ", timeout: 0s")));
    assert_field(&m, "services[0].simulation.timeout");
    assert_says(&m, &["must be more than 0s"]);
}

#[test]
fn traffic_without_a_duration() {
    // Without the Job stream, which needs a duration too, the traffic is the only thing
    // that recurs without end.
    let text = with_services(&web_service("", ""))
        .replacen("duration: 10m\n", "", 1)
        .replacen("        arrivals: {poisson: 1/min}\n", "", 1);
    let m = refused(&text);
    assert_field(&m, "duration");
    assert_says(
        &m,
        &[
            "services[0].simulation.traffic",
            "set the scenario's `duration`",
        ],
    );
}

#[test]
fn unknown_service_fields_suggest_the_real_ones() {
    let text = with_services(&web_service("", ", loadBalancr: random"));
    let m = refused(&text);
    assert_at(&m, position_of(&text, "loadBalancr"));
    assert_says(
        &m,
        &[
            "services[0].simulation: unknown field `loadBalancr`",
            "did you mean `loadBalancer`?",
        ],
    );
    let text = with_services(&web_service(", selectr: {app: web}", ""));
    let m = refused(&text);
    assert_at(&m, position_of(&text, "selectr"));
    assert_says(
        &m,
        &[
            "services[0].spec: unknown field `selectr`",
            "did you mean `selector`?",
        ],
    );
}

#[test]
fn two_services_of_one_name_in_a_namespace() {
    let m = refused(with_services(&(web_service("", "") + &backend("web", ""))));
    assert_field(&m, "services[1].metadata.name");
    assert_says(
        &m,
        &["`web` is used by another Service of namespace `default`"],
    );
}

#[test]
fn call_to_a_service_of_another_namespace() {
    let m = refused(with_services(
        &(web_service("", ", calls: [{service: db}]")
            + &backend("db", "").replace("{name: db}", "{name: db, namespace: other}")),
    ));
    assert_field(&m, "services[0].simulation.calls[0].service");
    assert_says(
        &m,
        &[
            "no Service `db` in namespace `default`",
            "Services there: web",
        ],
    );
}

#[test]
fn lb_override_that_names_no_policy() {
    let scratch = Scratch::new();
    let file = scratch.write(with_services(&web_service("", "")));
    let out = scratch.out_dir();
    let outcome = scratch.kubesim(&[
        OsStr::new("run"),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--lb".as_ref(),
        "nosuch".as_ref(),
    ]);
    let m = assert_refused(&outcome, Some("--lb"));
    assert_says(
        &m,
        &["unknown load balancer `nosuch`", "round-robin", "random"],
    );
    assert!(
        !out.exists(),
        "a refused run must not create the output folder"
    );
}

#[test]
fn lb_override_on_a_scenario_without_services() {
    let scratch = Scratch::new();
    let file = scratch.write(BASE);
    let out = scratch.out_dir();
    let outcome = scratch.kubesim(&[
        OsStr::new("run"),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--lb".as_ref(),
        "random".as_ref(),
    ]);
    let m = assert_refused(&outcome, Some(FILE));
    assert_field(&m, "services");
    assert_says(
        &m,
        &["has no Services", "nothing to balance", "--lb", "leave out"],
    );
    assert!(
        !out.exists(),
        "a refused run must not create the output folder"
    );
}

#[test]
fn call_to_a_service_of_another_namespace_says_how_to_fix_it() {
    let m = refused(with_services(
        &(web_service("", ", calls: [{service: db}]")
            + &backend("db", "").replace("{name: db}", "{name: db, namespace: other}")),
    ));
    assert_says(&m, &["namespace `other`", "its own namespace"]);
}
