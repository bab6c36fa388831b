"""Publishing by `git push` to a self-hosted server: refuse, or publish a complete site atomically.

Modules (the commands and their messages are in cli.py):
    server    Server: paths, settings, git, publish.log, the lock; Refused, SetupError, Pusher
    releases  Releases: switch `current`, prune, publish a pending build, catch up; rollback
    build     Builds: the tree (export or kept), the build's environment, bounded steps, stage
    checks    PushChecks: what a push may change, from git's listings, before any build
    hooks     Hooks: pre-receive, post-receive, the finisher; the installed scripts and hook_main,
              which they run as disclosure.publish.hook_main (re-exported below: a stable name)
    program   Program: the installed copy of the package and its own Python environment under
              WEB_ROOT/program, which the hooks run; install beside, switch `current`, roll back
    setup     server-setup (installed program, repository settings, hook scripts, first publish),
              server-upgrade (another installed program, or back to the one before), verify-release

Layout of WEB_ROOT (nginx serves WEB_ROOT/current):
    current -> releases/<time>-<commit>   symlink, switched with os.replace (atomic rename)
    releases/<time>-<commit>/             one complete built site per publish, newest N kept
    releases/.pending-<commit>-<pid>/     built by pre-receive, waiting for git to move the branch
    publish.log                           one line per event: time, result, commit, who, detail
    .publish.lock                         fcntl.flock: one build / switch at a time
    .cache/                               the build cache (buildcache.py): the pages of the last build,
                                          reused when their inputs did not change; never served
    program/current -> <version>-<hash>   the installed program (program.py) every hook, forced command
                                          and build runs; program/previous, program/envs/; never served

Why two hooks: pre-receive validates and builds the pushed commit and refuses the push on any
problem, so a refused push changes nothing. It must not switch the site, because git can still
fail to move the branch afterwards (a concurrent push won the race). post-receive runs only for
refs git really updated; under the lock it publishes the build of whatever main points at *now*,
so racing pushes can never leave the site showing an older commit than main.

Trust (see access.py, history.py, identity.py): before anything is built, pre-receive takes the
pusher's account from the authentication (identity.py), refuses force-pushes and deletions of the
branch, refuses paths the account may not change (a staff account: only its own notices under
data/), and refuses rewrites of published history. Only then is a tree built, and for a staff
push that tree is the published branch's code (reviewed, pushed by an admin) plus the pushed
data/: no file of a staff push is ever run. The hook program itself is the copy `server-setup` (or
`server-upgrade`) installed under WEB_ROOT/program from the administrator's checkout: after that, the
checkout can go.

Faults: the build runs in its own session (process group) with bounded time and memory, and is
killed as a group on timeout, on failure, and when the hook itself is stopped (a killed hook's
build dies with it: PR_SET_PDEATHSIG). Work folders live under WEB_ROOT/.work and pending builds
under releases/.building-*, so the next push removes what a killed hook left. publish.log is
written and fsynced before `current` is switched; if it cannot be written, nothing is switched.
"""

from .hooks import hook_main  # noqa: F401 - the hook scripts' entry point: disclosure.publish.hook_main
