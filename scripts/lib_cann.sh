# shellcheck shell=bash
# The CANN set-up that build_npu.sh, build_opp.sh and run_cann_sim.sh share: error exits, option
# checks, the dry-run command runner, finding the toolkit and sourcing its set_env.sh.
# Sourced by those scripts, never run: every message names the calling script ($0).

# Exit status of a usage or set-up error (a failed build or run exits 1).
readonly CANN_USAGE_ERROR=2

# Prints "<script>: MESSAGE" to stderr and exits with STATUS (default: a usage error).
die() {
    echo "${0##*/}: $1" >&2
    exit "${2:-$CANN_USAGE_ERROR}"
}

# Exits unless OPTION still has a value: ARGC is the "$#" seen where OPTION is "$1".
need_value() {
    [[ $2 -ge 2 ]] || die "$1 needs a value"
}

# The variable a valued option of these scripts sets (each script's own case lists the options
# it takes).
option_variable() {
    case "$1" in
        --soc) echo SOC ;;
        --build-dir) echo BUILD_DIR ;;
        --jobs) echo JOBS ;;
        --python) echo PYTHON_BIN ;;
        --cases) echo CASES ;;
        --install-path) echo INSTALL_PATH ;;
        *) die "internal error: option $1 has no variable" 1 ;;
    esac
}

# Called with the script's remaining words ("$@") at a valued option: sets its variable to the
# next word (the caller then shifts 2), or exits when there is none.
set_option_value() {
    need_value "$1" $#
    local variable
    variable="$(option_variable "$1")"
    printf -v "$variable" '%s' "$2"
}

# Parallel build jobs by default: the CPUs nproc counts, else this many.
readonly FALLBACK_JOBS=4
default_jobs() {
    nproc 2>/dev/null || echo "$FALLBACK_JOBS"
}

require_positive_jobs() {
    [[ "$1" =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer, got '$1'"
}

require_dry_run_flag() {
    [[ "$1" == 0 || "$1" == 1 ]] || die "ASCEND_BCE_NPU_DRY_RUN must be 0 or 1, got '$1'"
}

# The kernels are built for Atlas A2 only (dav-2201).
require_a2_soc() {
    case "$1" in
        Ascend910B1 | Ascend910B2 | Ascend910B3 | Ascend910B4) ;;
        *) die "--soc $1 is not an Atlas A2 SoC (Ascend910B1, Ascend910B2, Ascend910B3, Ascend910B4)" ;;
    esac
}

# Runs a command, or prints it (shell-quoted, one line) when DRY_RUN is 1.
run() {
    if [[ "$DRY_RUN" == 1 ]]; then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

# Prints the CANN toolkit directory: ASCEND_CANN_PACKAGE_PATH, else ASCEND_HOME_PATH.
cann_toolkit_path() {
    if [[ -z "${ASCEND_HOME_PATH:-}" && -z "${ASCEND_CANN_PACKAGE_PATH:-}" ]]; then
        die "neither ASCEND_HOME_PATH nor ASCEND_CANN_PACKAGE_PATH is set; install the CANN toolkit and
run 'source /usr/local/Ascend/ascend-toolkit/set_env.sh' (or export ASCEND_CANN_PACKAGE_PATH=<CANN dir>)"
    fi
    local path="${ASCEND_CANN_PACKAGE_PATH:-$ASCEND_HOME_PATH}"
    [[ -d "$path" ]] || die "CANN directory '$path' does not exist"
    echo "$path"
}

# set_env.sh sets ASCEND_HOME_PATH, PATH (compiler) and LD_LIBRARY_PATH; source the one of the
# toolkit at $1 when only ASCEND_CANN_PACKAGE_PATH was given. It is not written for 'set -u'.
source_cann_set_env() {
    [[ -z "${ASCEND_HOME_PATH:-}" ]] || return 0
    local env_script
    for env_script in "$1/set_env.sh" "$1/../set_env.sh" "$1/bin/setenv.bash"; do
        if [[ -f "$env_script" ]]; then
            echo "${0##*/}: sourcing $env_script"
            set +u
            # shellcheck disable=SC1090
            source "$env_script"
            set -u
            return 0
        fi
    done
}
