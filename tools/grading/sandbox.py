"""Confine a submission's process with what Linux gives an unprivileged user.

:func:`confine_child` runs in the process that runs one submission's code
(:func:`tools.grading.student.main`), before any of the student's code. It needs no
package and no privilege, only a Linux kernel with user namespaces and Landlock (5.13 or
later; measured on 6.18, Landlock ABI 7):

* **namespaces** (``unshare``): a user namespace (the only one an unprivileged user may
  create; it maps the instructor's own user id to itself), and in it new PID, network,
  mount, IPC and UTS namespaces. The submission's process forks once more: the child is
  process 1 of its PID namespace, and when it ends (the referee kills its process group
  at the time limit) the kernel kills every process in the namespace, however it
  detached (``setsid``, double fork). The network namespace has no interface up:
  nothing to connect to, no port to bind where anyone could reach it, no abstract Unix
  socket of the host. Outside processes have no PID in it, so there is nothing to signal.
* a private ``tmpfs`` on ``/tmp`` (``SCRATCH_BYTES``) is the only place it can write,
  and it is gone with the namespace; ``/run`` and ``/dev/shm`` are replaced by empty
  ones, and so is the folder of the ``multiprocessing`` fork server's socket (no way to
  the host's Unix sockets, nor to the fork server that forks the grader's processes).
  When the course itself lies beneath /tmp (a clone there), the scratch ``tmpfs`` goes
  on /dev/shm instead (:func:`scratch_mount`).
* **Landlock**: read (and execute) only the Python installation, the course's package
  (not the source of its implementations of what the exercises ask, nor any bytecode)
  and system libraries (:func:`readable_paths`); write only the scratch ``tmpfs`` and
  ``/dev/null``. Never the project's tree: not the autograder's tests, the solutions,
  the submissions, the gradebook, the results cache, the handouts or the bytecode.
  Landlock also forbids it to ptrace (or open ``/proc/<pid>/fd`` of) any process outside
  its domain, and from ABI 4 and 6 TCP connect/bind, abstract Unix sockets and signals
  outside it.
* **rlimits**: processes (``RLIMIT_NPROC``, counted per user namespace, but which Linux
  does not apply to root; so also ``pid_max`` of the PID namespace, Linux 6.14 or
  later), address space, CPU time, file size, open files.

:func:`probe` tries all this in a throwaway process; :func:`check` raises
:class:`IsolationUnavailable` (naming the safer routes) where it fails.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import resource
import signal
import sys
from pathlib import Path

SCRATCH_BYTES = 64 * 2**20  # what a submission may write in all (its /tmp)
MAX_PROCESSES = 64  # processes a submission may run at once (RLIMIT_NPROC)
MAX_OPEN_FILES = 256
#: Where a submission's private tmpfs may go, in order of preference (see scratch_mount).
SCRATCH_MOUNTS = ("/tmp", "/dev/shm")
PID_MAX = 301  # the smallest pid_max Linux accepts: at most 300 processes, even for root

# unshare(2) flags
_NEWNS, _NEWUTS, _NEWIPC = 0x00020000, 0x04000000, 0x08000000
_NEWUSER, _NEWPID, _NEWNET = 0x10000000, 0x20000000, 0x40000000
# mount(2) flags
_NOSUID, _NODEV, _REC, _PRIVATE = 2, 4, 1 << 14, 1 << 18
# Landlock: syscalls (the same number on every architecture) and access rights
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_VERSION_FLAG, _RULE_PATH_BENEATH = 1, 1
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8
_READ = _EXECUTE | _READ_FILE | _READ_DIR
_FS_V1 = (1 << 13) - 1  # every right of ABI 1: read, write, remove, make anything
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1, 2

SAFER_ROUTES = (
    "Grade where submissions are isolated instead: on Gradescope (upload the "
    "autograder zip that make assignments writes), with `otter grade` (Docker, one "
    "container per submission), or run make grade inside a virtual machine or a "
    "container of its own on Linux 5.13 or later. To grade here anyway, knowing that "
    "every submission then runs with your rights (reads your files, writes where you "
    "can, reaches the network), pass --unisolated (make grade UNISOLATED=1)."
)


class IsolationUnavailable(RuntimeError):
    """This system cannot confine a submission as :func:`confine_child` does."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _call(name: str, *args: object) -> int:
    result = getattr(_libc(), name)(*args)
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{name}: {os.strerror(code)}")
    return result


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers (0: none, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return max(0, _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0),
                                      ctypes.c_uint32(_VERSION_FLAG)))
    except (OSError, AttributeError):
        return 0


def readable_paths(hidden: tuple[str, ...] = ()) -> list[str]:
    """What a submission may read: Python, its packages, the system, and the course's
    package except the modules named in ``hidden`` (their source stays unread)."""
    import convcourse

    package = Path(convcourse.__file__).parent
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache",
             "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
             "/etc/fonts", "/proc", "/sys/devices/system/cpu", "/sys/fs/cgroup",
             "/dev/urandom", "/dev/random", "/dev/zero"}
    paths |= {p for p in sys.path if p and "site-packages" in p}
    paths |= {str(p) for p in package.iterdir()
              if p.name != "__pycache__" and p.stem not in hidden}
    resolved = {os.path.realpath(p) for p in paths} | paths
    return sorted(p for p in resolved if os.path.exists(p))


def _write_file(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enter_namespaces() -> None:
    """Unshare a user namespace (own ids mapped to themselves) and PID, network, mount,
    IPC and UTS namespaces in it. The *next* child of this process is PID 1 there."""
    uid, gid = os.geteuid(), os.getegid()
    _call("unshare", ctypes.c_int(_NEWUSER | _NEWPID | _NEWNET | _NEWNS | _NEWIPC | _NEWUTS))
    _write_file("/proc/self/setgroups", "deny")
    _write_file("/proc/self/uid_map", f"{uid} {uid} 1")
    _write_file("/proc/self/gid_map", f"{gid} {gid} 1")


def _mount_tmpfs(target: str, size: int) -> None:
    _call("mount", b"tmpfs", target.encode(), b"tmpfs", ctypes.c_ulong(_NOSUID | _NODEV),
          f"size={size},mode=0700".encode())


def scratch_mount(readable: list[str]) -> str:
    """Where the private ``tmpfs`` goes: /tmp, unless something the submission must read
    lies beneath it (a course cloned into /tmp, say), which that ``tmpfs`` would hide;
    then /dev/shm (``TMPDIR`` points into it either way)."""
    for mount in SCRATCH_MOUNTS:
        inside = [p for p in readable
                  if os.path.realpath(p) == mount or os.path.realpath(p).startswith(mount + "/")]
        if os.path.isdir(mount) and not os.path.islink(mount) and not inside:
            return mount
    raise IsolationUnavailable(f"the course and its Python environment lie beneath each of "
                               f"{', '.join(SCRATCH_MOUNTS)}; move them elsewhere")


def private_scratch(mount: str = "/tmp", hide: list[str] = ()) -> Path:
    """In the new mount namespace: an empty ``tmpfs`` on ``mount`` (returned: its ``work``
    folder), and empty ones on /run, /dev/shm and each folder of ``hide`` (the fork
    server's socket), seen by no one else."""
    _call("mount", None, b"/", None, ctypes.c_ulong(_REC | _PRIVATE), None)
    _mount_tmpfs(mount, SCRATCH_BYTES)
    for hidden in ("/run", "/dev/shm", *hide):  # a folder beneath mount is gone already
        if hidden != mount and os.path.isdir(hidden) and not os.path.islink(hidden):
            _mount_tmpfs(hidden, 2**20)
    work = Path(mount) / "work"
    work.mkdir()
    return work


def restrict(readable: list[str], writable: list[str], listable: list[str] = ()) -> int:
    """Apply Landlock to this process and its future children; return the ABI used.

    ``readable`` and ``writable`` hold everything beneath them; of a ``listable``
    folder, only the names of what it holds can be read.
    """
    abi = landlock_abi()
    if abi < 1:
        raise IsolationUnavailable("this kernel has no Landlock (Linux 5.13 or later, "
                                   "with landlock among its security modules)")
    fs = _FS_V1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0) | (
        _IOCTL_DEV if abi >= 5 else 0)
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL if abi >= 6 else 0
    attr = _RulesetAttr(fs, net, scoped)
    size = ctypes.sizeof(attr) if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _libc().syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                              ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        write = fs & ~_EXECUTE
        for paths, allowed in ((readable, _READ), (writable, _READ | write),
                               (listable, _READ_DIR)):
            for path in filter(os.path.exists, paths):  # not what the new /tmp hides
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                try:
                    is_dir = os.path.isdir(path)
                    allowed &= fs
                    rule = _PathBeneath(allowed if is_dir else allowed & _FILE_RIGHTS, fd)
                    if _libc().syscall(_ADD_RULE, ctypes.c_int(ruleset),
                                       ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                                       ctypes.c_uint32(0)) < 0:
                        raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
                finally:
                    os.close(fd)
        _call("prctl", ctypes.c_int(38), ctypes.c_ulong(1), ctypes.c_ulong(0),
              ctypes.c_ulong(0), ctypes.c_ulong(0))  # 38: PR_SET_NO_NEW_PRIVS
        if _libc().syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def limit(kind: int, value: int) -> None:
    """Set a resource limit (soft and hard); never raise it above the current hard one."""
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def confine_child(readable: list[str], cpu_seconds: int, hide: list[str] = ()) -> Path:
    """In PID 1 of the new namespaces: scratch (``hide``: see :func:`private_scratch`),
    limits, Landlock. Returns the work folder."""
    mount = scratch_mount(readable)
    work = private_scratch(mount, hide)
    limit(resource.RLIMIT_NPROC, MAX_PROCESSES)  # counted in this user namespace
    with contextlib.suppress(OSError):  # PID numbers in this namespace (Linux 6.14 or later)
        _write_file("/proc/sys/kernel/pid_max", str(PID_MAX))
    limit(resource.RLIMIT_NOFILE, MAX_OPEN_FILES)
    limit(resource.RLIMIT_CPU, cpu_seconds)
    import convcourse

    restrict(readable, [mount, "/dev/null"], [os.path.dirname(convcourse.__file__)])
    return work


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (``PR_SET_PDEATHSIG``)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: killpg still applies
        _libc().prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


def confined(readable: list[str], cpu_seconds: int, hide: list[str] = ()) -> Path | None:
    """Enter new namespaces and fork. The child, PID 1 of the new PID namespace, in a
    session of its own and killed when this process dies, is confined
    (:func:`confine_child`): there this returns its work folder. Here, it waits for the
    child and returns None: killing this process ends the namespace and all in it."""
    enter_namespaces()
    alive, kept = os.pipe()  # at EOF, the waiting process is gone
    if os.fork():
        os.close(alive)
        os.wait()
        return None
    os.close(kept)
    os.setsid()  # a group without the waiting process: kill(0) cannot reach it
    die_with_parent()
    os.set_blocking(alive, False)
    with contextlib.suppress(BlockingIOError):
        if os.read(alive, 1) == b"":  # it died before the line above took effect
            os._exit(1)
    os.close(alive)
    return confine_child(readable, cpu_seconds, hide)


@functools.cache
def probe() -> str:
    """``""`` if :func:`confined` works here, else why not: a throwaway child of this
    process tries it, and the confined grandchild checks that the project's tree is
    unreadable."""
    if not sys.platform.startswith("linux"):
        return f"this system is {sys.platform}, not Linux"
    if landlock_abi() < 1:
        return ("this kernel has no Landlock (it needs Linux 5.13 or later with landlock "
                "among its security modules)")
    readable = readable_paths()
    secret = Path(__file__).resolve()  # tools/grading is never readable by a submission
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the throwaway child
        try:
            os.close(read_end)
            if confined(readable, 10) is not None:
                try:
                    secret.read_bytes()
                    os.write(write_end, b"a confined process could still read files")
                except PermissionError:
                    os.write(write_end, b"confined")
        except Exception as error:  # the reason goes to the parent
            os.write(write_end, f"{type(error).__name__}: {error}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reason = pipe.read().decode(errors="replace")
    os.waitpid(pid, 0)
    if reason == "confined":
        return ""
    if any(word in reason for word in ("unshare", "uid_map", "setgroups", "mount")):
        reason += (" (user namespaces are disabled or restricted here, e.g. by "
                   "kernel.unprivileged_userns_clone=0 or AppArmor's "
                   "apparmor_restrict_unprivileged_userns)")
    return reason or "confining a process failed"


def check() -> None:
    """Raise :class:`IsolationUnavailable` (why, and the safer routes) unless it works."""
    reason = probe()
    if reason:
        raise IsolationUnavailable(f"cannot isolate submissions on this system: {reason}. "
                                   f"{SAFER_ROUTES}")


def describe() -> str:
    """One line: what isolates submissions here."""
    abi = landlock_abi()
    extras = ", TCP" if abi >= 4 else ""
    extras += ", signals and abstract sockets" if abi >= 6 else ""
    return (f"user, PID, network and mount namespaces; Landlock ABI {abi} (files, "
            f"ptrace{extras}); rlimits; Linux {os.uname().release}")

