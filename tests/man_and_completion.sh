#!/usr/bin/env bash
# The man page and the bash completion cannot drift from the program: every
# long option in --help is documented in the man page and offered by the
# completion, the page formats without a warning, and every name the
# completion offers for --fail-on is one the program accepts.
# usage: man_and_completion.sh TOOL MAN_PAGE COMPLETION SAMPLE
set -uo pipefail
tool=$(realpath "$1") page=$(realpath "$2") completion=$(realpath "$3") sample=$(realpath "$4")
[[ $(basename "$tool") == tcpflow-explain ]] || { echo "FAIL: the completion runs 'tcpflow-explain --help': $tool"; exit 1; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

options=$("$tool" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
[[ -n $options ]] || fail "no options found in $tool --help"

for opt in $options; do
    grep -qF -- "${opt//-/\\-}" "$page" || fail "man page does not document $opt"
done

warnings=$(groff -man -ww -z "$page" 2>&1)
[[ -z $warnings ]] || fail "man page warnings: $warnings"
rendered=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
for section in NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES "EXIT STATUS" FILES "SEE ALSO"; do
    grep -q "^$section" <<<"$rendered" || fail "man page has no $section section"
done

bash_completion=/usr/share/bash-completion/bash_completion
[[ -r $bash_completion ]] || { fail "bash-completion is not installed ($bash_completion)"; exit 1; }

# complete WORDS...: what the completion offers for the last word.
complete_words() {
    bash -c '
        source "$1"; source "$2"; PATH="$3:$PATH"; shift 3
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
        _tcpflow_explain tcpflow-explain "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
        printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$bash_completion" "$completion" "$(dirname "$tool")" "$@"
}

offered=$(complete_words tcpflow-explain --)
for opt in $options; do
    grep -qx -- "$opt" <<<"$offered" || fail "completion does not offer $opt"
done
[[ $(complete_words tcpflow-explain --format '' | sort | tr '\n' ' ') == "html json mermaid svg text " ]] ||
    fail "completion of --format is not 'html json mermaid svg text'"
[[ $(complete_words tcpflow-explain --color al) == always ]] || fail "completion of --color al is not 'always'"
[[ $(complete_words tcpflow-explain --fail-on reset,CLOSE_W) == reset,CLOSE_WAIT ]] ||
    fail "completion after a comma in --fail-on does not keep the list"

for name in $(complete_words tcpflow-explain --fail-on ''); do
    "$tool" -q --format json --fail-on "$name" "$sample" >/dev/null 2>&1
    rc=$?
    [[ $rc == 0 || $rc == 1 ]] || fail "--fail-on $name is offered by the completion but the program says $rc"
done

sample_dir=$(mktemp -d)
trap 'rm -rf "$sample_dir"' EXIT
touch "$sample_dir/a.pcap" "$sample_dir/b.pcapng" "$sample_dir/notes.txt"
files=$(cd "$sample_dir" && complete_words tcpflow-explain '' | sort | tr '\n' ' ')
[[ $files == "a.pcap b.pcapng " ]] || fail "file completion offers '$files', not the two captures"
text_files=$(cd "$sample_dir" && complete_words tcpflow-explain --text '' | sort | tr '\n' ' ')
[[ $text_files == "a.pcap b.pcapng notes.txt " ]] || fail "file completion after --text offers '$text_files', not every file"

if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo "man page and completion agree with --help ($(wc -w <<<"$options") options)"
