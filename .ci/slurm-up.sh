#!/usr/bin/env bash
# Start a single-node Slurm cluster on this machine (CI; Debian 12, root, no systemd), for the tests that run
# the workflow through `sbatch`. Idempotent and fast: a cluster already up with this configuration is left
# alone; a changed configuration restarts the daemons this script started.
#
#   .ci/slurm-up.sh            # needs the packages slurmctld slurmd slurm-client munge
#
# No accounting storage (no slurmdbd, so `sacct` has nothing to say): the Snakemake Slurm executor reads job
# states from `squeue`, which keeps a finished job for MinJobAge seconds, set generously below.
# No cgroups: processes are tracked through /proc, and tasks are not pinned to cores.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
NODE=$(hostname -s)
STATE=/var/spool/slurmctld
SPOOL=/var/spool/slurmd
LOGS=/var/log/slurm

for tool in munged slurmctld slurmd sinfo; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        echo "slurm-up: $tool not found; install it: apt-get install -y slurmctld slurmd slurm-client munge" >&2
        exit 2
    fi
done
if [ "$(id -u)" != 0 ]; then
    echo "slurm-up: must run as root (it writes $CONF and starts the daemons)" >&2
    exit 2
fi

# The node as slurmd sees it (CPUs, sockets, memory), under the short host name Slurm expects.
HARDWARE=$(/usr/sbin/slurmd -C | head -n 1 | sed -E "s/^NodeName=[^ ]+ //; s/ UpTime=.*//")

WANTED=$(cat <<EOF
# Written by gan-bench .ci/slurm-up.sh: a single-node cluster for CI.
ClusterName=ganbench
SlurmctldHost=$NODE
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Finished jobs stay visible to squeue for an hour: the executor's only source of job states here.
MinJobAge=3600
# Seconds between SIGTERM and SIGKILL when a job reaches its time limit (the train command saves resume.pt).
KillWait=30
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
NodeName=$NODE $HARDWARE State=UNKNOWN
PartitionName=main Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
)

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {  # only the daemons started from their pid files (ours)
    for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
        if running "$pidfile"; then
            kill "$(cat "$pidfile")"
            for _ in $(seq 50); do running "$pidfile" || break; sleep 0.1; done
        fi
    done
}

if [ "$(cat "$CONF" 2>/dev/null)" != "$WANTED" ]; then
    stop
    mkdir -p "$(dirname "$CONF")"
    printf '%s\n' "$WANTED" > "$CONF"
fi

# munge: Slurm's authentication, run as the munge user with the key the package created.
if ! pgrep -u munge -x munged >/dev/null; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    chmod 0755 /run/munge
    [ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey --create --force && chown munge:munge /etc/munge/munge.key; }
    runuser -u munge -- /usr/sbin/munged
fi

mkdir -p "$STATE" "$SPOOL" "$LOGS"
running /run/slurmctld.pid || /usr/sbin/slurmctld
running /run/slurmd.pid || /usr/sbin/slurmd

# Ready when the node accepts jobs; a node left down or drained by an earlier run is resumed.
for _ in $(seq 100); do
    state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    case "$state" in
        idle*|mixed*|allocated*|completing*) echo "slurm-up: node $NODE is $state"; exit 0 ;;
        down*|drain*) scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.2
done
echo "slurm-up: node $NODE did not become ready (state '${state:-none}'); see $LOGS/slurmctld.log and slurmd.log" >&2
exit 1
