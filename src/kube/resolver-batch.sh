#!/bin/sh
# The resolver pod's batch (docs/design.md, "The resolver protocol"): every question asked of every DNS server, the
# servers in parallel, and every TCP probe, in one exec. This file only defines functions and constants. The CLI
# (src/kube/resolver-batch.ts) writes it to the pod's `sh -s`, followed by
#
#   svc_inspect_batch <<'SVC_INSPECT_DATA'
#   ...the data...
#   SVC_INSPECT_DATA
#   exit
#
# `exit` rather than the end of stdin: before exec protocol v5 (Kubernetes < 1.30), closing stdin closes the whole
# stream, output included.
#
# The data is one item a line. Its fields are separated by single spaces, and no field holds whitespace (the CLI
# writes a name's whitespace as \DDD, which dig reads back as the same character):
#   timeout SECONDS            dig's timeout per question, and nc's per connection
#   probe NAME                 the zone apex whose SOA the transport checks and the probe query ask
#   server ADDRESS PORT        a DNS server, in section order (s0, s1, ...); ADDRESS `-` is the nameserver that
#                              resolv.conf names
#   reach [ADDRESS PORT]...    the TCP targets
#   dir PATH, resolv PATH      where the batch makes its directory (/tmp) and the resolv.conf it reads
#                              (/etc/resolv.conf); the tests point them elsewhere
#   questions [NAME TYPE]...   the questions of one dig process, asked of every server; these lines come last, and
#                              there is at least one
#
# What it prints: sections, each headed `=== svc-inspect NAME`: resolv.conf (the file, when a server is `-`), reach
# (`ADDRESS PORT open|refused|timeout|error DETAIL` lines), s0, s1, ... (one per server: each dig's +yaml output
# after a `PART INDEX EXIT-STATUS` line; a gzip member when the image has a working gzip) and, last, end (empty):
# once it has arrived, the output is complete.

SECTION='=== svc-inspect'
# Seconds a server's digs may run before the server gets a probe query.
PROBE_AFTER=0.5
NL='
'

svc_inspect_batch() {
  data=$(cat) || exit 1
  # Words split from the data are never globbed: a name may hold * or ?.
  set -f
  timeout=2 probe=. dir=/tmp resolv=/etc/resolv.conf servers='' targets=''
  IFS=$NL
  # shellcheck disable=SC2086 # one item a line
  set -- $data
  unset IFS data
  # The questions lines come last: they stay in "$@", and each server's job is given them as they are.
  while [ $# -gt 0 ]; do
    case $1 in
      questions | 'questions '*) break ;;
      'timeout '*) timeout=${1#timeout } ;;
      'probe '*) probe=${1#probe } ;;
      'server '*) servers=$servers${1#server }$NL ;;
      'reach '*) targets=${1#reach } ;;
      'dir '*) dir=${1#dir } ;;
      'resolv '*) resolv=${1#resolv } ;;
    esac
    shift
  done

  # A directory per shell, named by its PID: batches run at once in one pod keep their files apart.
  cd "$dir" || exit 1
  work=svc-inspect.$$
  mkdir -p "$work" && cd "$work" || exit 1
  set +f
  rm -f s*.out s*.dead r.out c.out e.out
  set -f
  # The servers' sections are compressed when the image has gzip: the answers of a big service are mostly
  # repeated YAML, which the container runtime, the kubelet, the API server and the CLI would otherwise each pass
  # on in full.
  if command -v gzip > /dev/null; then z='gzip -1'; else z='cat'; fi
  # The text sections' headings and the end line are written now, so that one cat prints the whole output.
  echo "$SECTION reach" > r.out
  echo "$SECTION end" > e.out
  reads_resolv=''
  case $NL$servers in *"$NL- "*) reads_resolv=1 ;; esac
  if [ -n "$reads_resolv" ]; then
    # The batch prints resolv.conf too: one exec tells the CLI both the answers and the pod's search path.
    echo "$SECTION resolv.conf" > c.out
    ns=''
    while read -r key value _; do
      if [ "$key" = nameserver ]; then
        ns=$value
        break
      fi
    done < "$resolv"
  fi
  start_servers "$@"
  probe_targets

  wait
  # The whole output in one cat, the end line last. The clean-up runs after it: a closed exec does not stop its
  # process, and the next batch in this directory starts by removing these files anyway.
  set +f
  # shellcheck disable=SC2086 # file names
  if [ -n "$reads_resolv" ]; then
    cat c.out "$resolv" r.out $sections e.out 2> /dev/null
  else
    cat r.out $sections e.out 2> /dev/null
  fi
  rm -f s*.out r.out c.out e.out
  cd .. && rmdir "$work"
}

# start_servers QUESTIONS...: a background job per server (serve), or its section at once for the nameserver of a
# resolv.conf that names none. Sets sections, the servers' section files in order.
start_servers() {
  index=0
  sections=''
  IFS=$NL
  # shellcheck disable=SC2086 # one server a line
  for server in $servers; do
    unset IFS
    address=${server% *}
    [ "$address" = - ] && address=$ns
    if [ -n "$address" ]; then
      serve "$index" "$address" "${server##* }" "$@" &
    else
      i=$index
      compressed "s$i.out" no_nameserver_section
    fi
    sections="$sections s$index.out"
    index=$((index + 1))
  done
  unset IFS
}

# probe_targets: a background reach per TCP target.
probe_targets() {
  address=''
  # shellcheck disable=SC2086 # ADDRESS PORT pairs
  for word in $targets; do
    if [ -z "$address" ]; then
      address=$word
    else
      reach "$address" "$word" &
      address=''
    fi
  done
}

# serve INDEX ADDRESS PORT QUESTIONS...: every question asked of one server, into its section sINDEX.out.
#
# Over TCP, one connection per dig process (+keepopen): dig opens a new UDP socket per question, which made a batch
# of a few hundred questions measurably slower (docs/performance.md). The answers are the same. What applications see of the transports is
# checked by two questions of their own, the SOA of the probe name: one over TCP before the questions and one over
# UDP after them, since applications ask over UDP first and need TCP for answers too large for UDP. A server that
# leaves the TCP check unanswered is asked everything again over UDP, and its section starts with TCP_UNANSWERED,
# then TCP_FAILURE and dig's error line from one plain dig over TCP. A server that answers no probe query is
# UNREACHABLE.
serve() {
  i=$1
  at=@$2
  port_option=''
  # -p is per dig process: CoreDNS pods may listen on 5353 behind port 53.
  [ "$3" = 53 ] || port_option="-p $3"
  shift 3
  ask tcp "$@"
  tcp=''
  if [ ! -e "s$i.dead" ] && tcp_check_passed "s$i.0.out"; then tcp=1; fi
  if [ -z "$tcp" ]; then
    [ -e "s$i.dead" ] || why_not_tcp
    rm -f "s$i.dead"
    ask udp "$@"
  fi
  if [ -e "s$i.dead" ]; then
    compressed "s$i.out" unreachable_section
  else
    compressed "s$i.out" answers_section
  fi
  # shellcheck disable=SC2086 # file names
  rm -f $parts "s$i.dead" "s$i.why"
}

# ask tcp|udp QUESTIONS...: the questions asked of server $i ($at): one dig process per questions line, in
# parallel, into s$i.0.out, s$i.1.out, ...; the TCP check first, the UDP check (+notcp) last. Leaves s$i.dead when
# the watchdog found the server dead.
ask() {
  # Over TCP a question gets a second try: a server may close the connection after an answer (RFC 7766), and dig
  # +keepopen then fails the next question on the closed connection instead of opening a new one.
  if [ "$1" = tcp ]; then transport='+tcp +keepopen +tries=2'; else transport='+notcp'; fi
  shift
  pids=''
  parts=''
  part=0
  for chunk; do
    first=''
    last=''
    if [ "$part" -eq 0 ]; then first="$probe SOA"; fi
    if [ "$part" -eq $(($# - 1)) ]; then last="$probe SOA +notcp"; fi
    # +noall +answer: each message keeps its status, times and transport, without the question, authority and
    # additional sections (an SRV answer's additional section repeats every target): a quarter less to send and
    # read.
    # shellcheck disable=SC2086 # options and questions, split into words on purpose
    dig +yaml +noall +answer +time="$timeout" +tries=1 $transport "$at" $port_option $first ${chunk#questions} $last \
      > "s$i.$part.out" 2>&1 &
    pids="$pids $!"
    parts="$parts s$i.$part.out"
    part=$((part + 1))
  done
  # The watchdog sleeps first: a batch of a few hundred questions is done by then and the watchdog is stopped, so
  # its probe query only runs for a server that is slow to finish. It asks with the questions' timeout (a server
  # that answers late but within it is slow, not dead); dig's exit status 9 means no reply, and only then are the
  # digs killed and the server marked dead, instead of timing out once per question. A sleep without fractions
  # fails at once, and the probe runs at once. Stopped, the watchdog ends its sleep and waits for it, and ask waits
  # for the watchdog: nothing is left to PID 1, which in a --resolver-pod may never reap.
  (
    trap 'kill $sleeper 2> /dev/null; wait $sleeper; exit 0' TERM
    sleep "$PROBE_AFTER" 2> /dev/null &
    sleeper=$!
    wait $sleeper
    # shellcheck disable=SC2086 # options, split into words on purpose
    dig +time="$timeout" +tries=1 $transport "$at" $port_option "$probe" SOA > /dev/null 2>&1
    status=$?
    # shellcheck disable=SC2086 # PIDs
    if [ "$status" -eq 9 ] && kill $pids 2> /dev/null; then : > "s$i.dead"; fi
  ) < /dev/null > /dev/null 2>&1 &
  watchdog=$!
  # Each dig's exit status, in part order: a dig stopped by a signal (the pod's memory limit, say) cut its part
  # short, and the CLI must know which questions went unanswered rather than read the next part's answers as theirs.
  statuses=''
  status=0
  for pid in $pids; do
    wait "$pid"
    code=$?
    statuses="$statuses $code"
    [ "$code" -le "$status" ] || status=$code
  done
  # Digs done: the watchdog is stopped. Digs killed (a status above 128): it is left to leave its mark.
  [ "$status" -gt 128 ] || kill "$watchdog" 2> /dev/null
  wait "$watchdog"
}

# tcp_check_passed FILE: whether the TCP check, the first question in FILE, was answered over TCP: dig prints the
# transport (socket_protocol) within a message's first lines.
tcp_check_passed() {
  lines=0
  while [ "$lines" -lt 16 ] && read -r line; do
    case $line in 'socket_protocol: TCP') return 0 ;; esac
    lines=$((lines + 1))
  done < "$1"
  return 1
}

# why_not_tcp: for server $i, which left the TCP check unanswered and was not found dead, one plain dig of the probe
# over TCP, whose error line says why (connection refused, end of file, ...), which +yaml does not.
why_not_tcp() {
  # shellcheck disable=SC2086 # options, split into words on purpose
  dig +time="$timeout" +tries=1 +tcp "$at" $port_option "$probe" SOA 2>&1 |
    grep -m1 -E 'failed: |communications error' | sed 's/^/TCP_FAILURE /' > "s$i.why"
}

# A server's answers: each dig's output after a `PART INDEX STATUS` line (a newline first: a dig stopped mid-line
# leaves its last line open).
answers_section() {
  echo "$SECTION s$i"
  [ -n "$tcp" ] || echo TCP_UNANSWERED
  cat "s$i.why" 2> /dev/null
  part=0
  for code in $statuses; do
    printf '\nPART %s %s\n' "$part" "$code"
    cat "s$i.$part.out" 2> /dev/null
    part=$((part + 1))
  done
}

unreachable_section() {
  echo "$SECTION s$i"
  echo UNREACHABLE
}

no_nameserver_section() {
  echo "$SECTION s$i"
  echo NO_NAMESERVER
}

# compressed FILE COMMAND...: COMMAND's output into FILE through $z, or as text when that fails: whether gzip works
# is learnt by using it, not by a trial run on the way to the answers. gzip members one after another are one gzip
# stream, so the sections need no framing.
compressed() {
  file=$1
  shift
  # shellcheck disable=SC2086 # $z is a command and its option
  "$@" | $z > "$file" || "$@" > "$file"
}

# reach ADDRESS PORT: one line in r.out, `ADDRESS PORT open|refused|timeout|error DETAIL`. OpenBSD nc (netshoot's)
# says nothing on failure without -v; busybox nc has no -v (and says why anyway): -v first, then plain nc when the
# option is rejected.
reach() {
  out=$(nc -v -w "$timeout" "$1" "$2" < /dev/null 2>&1)
  status=$?
  if [ "$status" -ne 0 ]; then
    case $out in
      *nvalid*option* | *sage:*)
        out=$(nc -w "$timeout" "$1" "$2" < /dev/null 2>&1)
        status=$?
        ;;
    esac
  fi
  if [ "$status" -eq 0 ]; then
    state=open
  else
    # shellcheck disable=SC2086,SC2116 # the error: nc's message on one line, its whitespace collapsed
    case $out in
      *efused*) state=refused ;;
      *imed*out* | *imeout*) state=timeout ;;
      *) state="error $(echo $out | tr -s '\n' ' ')" ;;
    esac
  fi
  echo "$1 $2 $state" >> r.out
}
