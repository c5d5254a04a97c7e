"""torch.backends.cpu: the SIMD level torch's CPU kernels would dispatch to on this machine."""
import os
import platform

__all__ = ["get_cpu_capability"]

_AVX512 = {"avx512f", "avx512bw", "avx512dq", "avx512vl", "fma"}


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:  # NOTE: not Linux; no cheap portable way to read CPUID from Python
        pass
    return set()


def get_cpu_capability():
    """'AVX512', 'AVX2' or 'DEFAULT', as torch reports (ATEN_CPU_CAPABILITY can lower it)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return "DEFAULT"
    flags = _cpu_flags()
    if _AVX512 <= flags:
        best = "AVX512"
    elif {"avx2", "fma"} <= flags:
        best = "AVX2"
    else:
        best = "DEFAULT"
    order = ["DEFAULT", "AVX2", "AVX512"]
    # NOTE: torch honours ATEN_CPU_CAPABILITY only when it does not exceed what the CPU has.
    env = os.environ.get("ATEN_CPU_CAPABILITY", "").upper()
    if env in order and order.index(env) < order.index(best):
        return env
    return best
