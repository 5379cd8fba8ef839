#!/usr/bin/env sh
# The system packages the grading sandbox uses here and on Gradescope (where setup.sh installs them):
# bubblewrap (namespaces), libseccomp2 (the builtin launcher's network filter), capsh (the tests drop
# CAP_SYS_ADMIN with it). Installed with apt when missing and root; otherwise says what is missing.
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v capsh >/dev/null 2>&1 || missing="$missing libcap2-bin"
command -v setpriv >/dev/null 2>&1 || missing="$missing util-linux"
ldconfig -p 2>/dev/null | grep -q libseccomp.so.2 || missing="$missing libseccomp2"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "note: the grading sandbox would use:$missing (install them as root; grading still fails closed without)" >&2
fi
