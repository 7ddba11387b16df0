#!/usr/bin/perl
# doc-names.pl -- the names the documents give exist, and what exists is documented.
# Run by doc-names.sh (ctest cli_doc_names) from the source root:
#   perl tests/cli/doc-names.pl CASEFLOW_BINARY
# Checks, each failure a line on standard error (exit 1 when any):
#  1. routes: every METHOD and path of the daemon's route table (api/http/http-route.c)
#     is in docs/openapi.yaml and every one there is routed (GET / is the workbench's
#     index, served beside the table); every routed path is named in docs/api.md; every
#     query parameter the daemon reads (api/http/*.c) is one docs/openapi.yaml declares;
#     each route's query parameters (its `.query` in the table; none for a POST) are
#     exactly those docs/openapi.yaml declares for its path and method;
#  2. commands: every `caseflow WORD [WORD]` run in README.md or docs/*.md (in a code
#     block, or at the start of an inline code span) is a command `caseflow --help`
#     lists; every command it lists is named in README.md or docs/;
#  3. options: every --option written after such a command, on the same command line
#     (continuation lines joined, up to a pipe, redirection, `;`, `&&`, `)` or `#`), is
#     one `caseflow COMMAND --help` lists (or --db, --json, --help); so is every option
#     of an inline span that starts with a command's name (`case list --overdue`);
#     a prose failure names the line its paragraph starts on;
#  4. config keys: every key api/http/serve-config.c takes is in docs/api.md's table of
#     settings and in packaging/caseflow.conf (now and test_clock excepted there), and
#     `caseflow serve --check-config` prints it (now only when given);
#  5. every docs/*.md is in README.md's "Documents" list;
#  6. exit codes: each code of README.md's table is in `caseflow --help` and the man page.
use strict;
use warnings;

my $bin = shift or die "usage: doc-names.pl CASEFLOW_BINARY\n";
my $failed = 0;
my $checked = 0;
sub fail { print STDERR "FAIL: $_[0]\n"; $failed++; }

sub slurp {
    my ($f) = @_;
    open(my $h, '<:encoding(UTF-8)', $f) or die "$f: $!\n";
    local $/;
    my $t = <$h>;
    close $h;
    return $t;
}

# ---- 1. routes ---------------------------------------------------------------------
my (%routed, %documented);
for (split /\n/, slurp('api/http/http-route.c')) {
    next unless /^\s*\{"(\/[^"]*)",\s*(M_[A-Z_]+(?:\s*\|\s*M_[A-Z_]+)*),/;
    my $path = $1;
    $routed{"$_ $path"} = 1 for map { s/^M_//r } split /\s*\|\s*/, $2;
}
fail("no routes read from api/http/http-route.c") if keys(%routed) < 20;
my $path;
for (split /\n/, slurp('docs/openapi.yaml')) {
    if (/^  (\/\S*):\s*$/) { $path = $1; next; }
    $path = undef if /^\S/;
    $documented{uc($1) . " $path"} = 1 if defined $path && /^    (get|post|put|delete|patch|head):/;
}
$routed{'GET /'} = 1;    # the workbench's index.html (http-web.c), outside the table
for (sort keys %routed) {
    $checked++;
    fail("$_ is routed but not in docs/openapi.yaml") unless $documented{$_};
}
for (sort keys %documented) {
    $checked++;
    fail("$_ is in docs/openapi.yaml but not routed (api/http/http-route.c)") unless $routed{$_};
}
my $api = slurp('docs/api.md');
my %paths = map { (split / /, $_, 2)[1] => 1 } keys %routed;
for (sort keys %paths) {
    next if $_ eq '/';
    $checked++;
    fail("$_ is routed but docs/api.md never names it") unless index($api, "`$_") >= 0 || index($api, " $_`") >= 0;
}

# every query parameter the daemon reads is a parameter of docs/openapi.yaml
my $openapi = slurp('docs/openapi.yaml');
my %query;
for my $c (glob('api/http/*.c')) {
    my $t = slurp($c);
    $query{$1} = 1 while $t =~ /(?:cf__http_query(?:_text|_int)?|query_flag|query_span)\((?:srv, )?req, "([a-z_]+)"/g;
}
fail("no query parameters read from api/http/*.c") if keys(%query) < 10;
for (sort keys %query) {
    $checked++;
    fail("query parameter $_ is read by the daemon but not in docs/openapi.yaml")
        unless $openapi =~ /name: \Q$_\E[,\s]/;
}

# each route's query parameters, as the route table takes them (its `.query`, the only ones
# a route that needs a token accepts: any other is 400, and a POST takes none), are the
# ones docs/openapi.yaml declares for that path and method, neither more nor fewer. Open
# routes (R_OPEN: health, /metrics, the session, the workbench) accept any and are not
# compared.
my $route_c = slurp('api/http/http-route.c');
my %macro;
while ($route_c =~ /#define (\w+_QUERY)((?:.*\\\n)*.*)/g) {
    my ($name, $text) = ($1, $2);
    $macro{$name} = join('', $text =~ /"([^"]*)"/g);
}
my (%takes, %open_route);
while ($route_c =~ /^\s*\{"(\/[^"]*)",\s*(M_[A-Z_]+(?:\s*\|\s*M_[A-Z_]+)*),\s*([^,]+),([^}]*)\}/mg) {
    my ($p, $methods, $needs, $rest) = ($1, $2, $3, $4);
    my $q = '';
    if ($rest =~ /\.query\s*=\s*"([^"]*)"/) { $q = $1; }
    elsif ($rest =~ /\.query\s*=\s*(\w+)/) {
        fail("route $p: .query = $1 is not a macro of http-route.c") unless exists $macro{$1};
        $q = $macro{$1} // '';
    }
    for my $m (map { s/^M_//r } split /\s*\|\s*/, $methods) {
        $open_route{"$m $p"} = 1 if $needs =~ /R_OPEN|R_METRICS/;
        $takes{"$m $p"} = join(' ', sort split ' ', $m eq 'POST' ? '' : $q);
    }
}
fail("no route's query parameters read from api/http/http-route.c") if grep({ $_ ne '' } values %takes) < 5;
my %param_ref;    # components/parameters: name of each that is in: query
{
    my ($in, $ref, $name) = (0);
    for (split /\n/, $openapi) {
        $in = /^  parameters:/ ? 1 : /^  \S/ ? 0 : $in;
        next unless $in;
        if (/^    (\w+):\s*$/) { $ref = $1; next; }
        $name = $1 if /^      name: (\S+)/;
        $param_ref{$ref} = $name if defined $ref && /^      in: query/;
    }
}
my (%declared, $at, $verb, $pending);
for (split /\n/, $openapi) {
    if (/^  (\/\S*):\s*$/) { ($at, $verb) = ($1, undef); next; }
    ($at, $verb) = (undef, undef) if /^\S/;
    next unless defined $at;
    if (/^    (get|post|delete):/) { $verb = uc $1; $declared{"$verb $at"} //= {}; next; }
    next unless defined $verb;
    $declared{"$verb $at"}{$1} = 1 if /\{name: ([^,]+), in: query/;
    $declared{"$verb $at"}{$param_ref{$1}} = 1 if /\$ref: "#\/components\/parameters\/(\w+)"/ && $param_ref{$1};
    $pending = $1 if /^\s+- name: (\S+)\s*$/;
    $declared{"$verb $at"}{$pending} = 1 if defined $pending && /^\s+in: query/;
    $pending = undef if /^\s+in: /;
}
# and each path's placeholders ({id}, {alert_id} ...) are path parameters the spec declares
# for it (on the path or the operation; CaseId is id), and every route that needs a token
# declares the 400 (a query parameter it does not take, an id out of range) and the 401 it
# answers.
my (%path_params, %statuses, $op, $pl);
for (split /\n/, $openapi) {
    if (/^  (\/\S*):\s*$/) { ($at, $op) = ($1, undef); next; }
    ($at, $op) = (undef, undef) if /^\S/;
    next unless defined $at;
    $op = uc $1 if /^    (get|post|delete):/;
    my $key = defined $op ? "$op $at" : "* $at";
    $path_params{$key}{$1} = 1 if /\{name: (\w+), in: path/;
    $path_params{$key}{id} = 1 if /\$ref: "#\/components\/parameters\/CaseId"/;
    $pl = $1 if /^\s+- name: (\w+)\s*$/;
    $path_params{$key}{$pl} = 1 if defined $pl && /^\s+in: path/;
    $statuses{$key}{$1} = 1 if defined $op && /^        "(\d\d\d)":/;
}
for my $r (sort keys %takes) {
    next unless $declared{$r};
    my ($m, $p) = split / /, $r, 2;
    for my $name ($p =~ /\{(\w+)\}/g) {
        $checked++;
        fail("$r: docs/openapi.yaml declares no path parameter $name")
            unless $path_params{$r}{$name} || $path_params{"* $p"}{$name};
    }
    next if $open_route{$r};
    for my $status (qw(400 401)) {
        $checked++;
        fail("$r needs a token and takes no query parameter it does not read, but docs/openapi.yaml "
             . "declares no $status answer") unless $statuses{$r}{$status};
    }
}
for my $r (sort keys %takes) {
    next if $open_route{$r} || !$declared{$r};
    $checked++;
    my $spec = join(' ', sort keys %{$declared{$r}});
    fail("$r takes the query parameters [$takes{$r}] (api/http/http-route.c) but docs/openapi.yaml "
         . "declares [$spec]") unless $spec eq $takes{$r};
}

# ---- 4. the daemon's configuration keys -------------------------------------------
# Every key serve-config.c takes is in docs/api.md's table ("Running the daemon") and in
# the packaged file (packaging/caseflow.conf), but those a service has no use for.
my $config = slurp('api/http/serve-config.c');
my %keys = map { $_ => 1 } ($config =~ /strcmp\(key, "([a-z_]+)"\)/g, $config =~ /\{"([a-z_]+)", \d+, /g);
fail("no configuration keys read from api/http/serve-config.c") if keys(%keys) < 20;
my $conf = slurp('packaging/caseflow.conf');
# `serve --check-config` prints every setting (a missing database fails the check, after
# the settings are printed)
my $effect = `"$bin" serve --db /nonexistent/caseflow.db --check-config 2>/dev/null`;
for (sort keys %keys) {
    $checked++;
    fail("config key $_ is not in docs/api.md's table") unless $api =~ /^\|[^|\n]*\| `\Q$_\E`/m;
    $checked++;
    fail("config key $_ is not printed by caseflow serve --check-config")
        unless $_ eq 'now' || $effect =~ /^(# )?\Q$_\E( = |: )/m;    # now: only when given
    next if $_ eq 'now' || $_ eq 'test_clock';    # examples and tests only
    $checked++;
    fail("config key $_ is not in packaging/caseflow.conf") unless $conf =~ /^#?\Q$_\E = /m;
}

# ---- 2. and 3. commands and their options ------------------------------------------
my $help = `"$bin" --help`;
fail("caseflow --help failed") if $?;
my (%command, %group);
my $in = 0;
for (split /\n/, $help) {
    $in = 1, next if /^Commands:/;
    last if $in && /^$/;
    next unless $in && /^  ([a-z][a-z ]*[a-z])   /;
    $command{$1} = 1;
    $group{$1} = 1 if $1 =~ /^(\S+) /;
}
fail("caseflow --help lists no commands") if keys(%command) < 20;

my %options;    # command -> { option -> 1 }, from `caseflow COMMAND --help`
sub options_of {
    my ($cmd) = @_;
    return $options{$cmd} if $options{$cmd};
    my %o = ('--db' => 1, '--json' => 1, '--help' => 1);
    $o{$_} = 1 for (`"$bin" $cmd --help` =~ /(--[a-z][a-z0-9-]*)/g);
    return $options{$cmd} = \%o;
}

my @docs = ('README.md', sort glob('docs/*.md'));
my %named;
for my $doc (@docs) {
    my @lines = split /\n/, slurp($doc);
    my $fence = 0;
    my @runs;    # [line number, text of one command line]
    my ($para, $at) = ('', 0);    # the prose paragraph read so far (spans cross lines)
    for (my $i = 0; $i <= @lines; $i++) {
        my $l = $i < @lines ? $lines[$i] : '';
        if (!$fence && ($l =~ /^\s*(```|$)/)) {
            push @runs, [$at, $1] while $para =~ /`(?:[A-Z_]+=\S*\s+)*caseflow\s+([^`]*)`/g;
            $named{$1} = 1 while $para =~ /`([a-z]+(?: [a-z]+)?)[ `]/g;
            # a command named without `caseflow` (`case list --due-within 3d`)
            while ($para =~ /`([a-z]+(?: [a-z]+)? [^`]*--[^`]*)`/g) {
                my $span = $1;
                my ($two) = $span =~ /^([a-z]+ [a-z]+)/;
                my ($one) = $span =~ /^([a-z]+)/;
                push @runs, [$at, $span] if ($two && $command{$two}) || $command{$one};
            }
            $para = '';
        }
        if ($l =~ /^\s*```/) { $fence = !$fence; next; }
        if ($fence) {
            my $n = $i + 1;
            while ($l =~ /\\$/ && $i + 1 < @lines) { $l =~ s/\\$/ /; $l .= $lines[++$i]; }
            # caseflow at a command's place: the line's start (after VAR=value words), or
            # after $( ; | && or (
            while ($l =~ /(?:^\s*|[;|(]\s*|&&\s*|\$\(\s*)(?:[A-Z_]+=\S*\s+)*caseflow\s+([^\n]*)/g) {
                push @runs, [$n, $1];
            }
        } else {
            $at = $i + 1 if $para eq '';
            $para .= "$l\n";
        }
    }
    for my $r (@runs) {
        my ($n, $text) = @$r;
        $text =~ s/\s(?:[|;#)]|&&|>|2>).*//;
        my @w = split /\s+/, $text;
        shift @w, shift @w while @w >= 2 && $w[0] eq '--db';
        shift @w while @w && $w[0] eq '--json';
        next unless @w && $w[0] =~ /^[a-z]+$/;    # --help, --version, --man ...
        my $cmd;
        if ($group{$w[0]}) {
            next unless @w > 1 && $w[1] =~ /^[a-z]+$/;   # `caseflow case ...`: the group in prose
            $cmd = "$w[0] $w[1]";
        } else {
            $cmd = $w[0];
        }
        $checked++;
        unless ($command{$cmd}) {
            fail("$doc:$n: caseflow $cmd is not a command (caseflow --help)");
            next;
        }
        $named{$cmd} = 1;
        my $o = options_of($cmd);
        for my $opt ($text =~ /(?:^|[\s\[])(--[a-z][a-z0-9-]*)/g) {
            $checked++;
            fail("$doc:$n: caseflow $cmd takes no $opt (caseflow $cmd --help)") unless $o->{$opt};
        }
    }
}
for (sort keys %command) {
    $checked++;
    fail("caseflow $_ is a command that README.md and docs/ never show") unless $named{$_};
}
# ---- 5. every page of docs/ is in README.md's list of documents -------------------
my ($list) = slurp('README.md') =~ /^## Documents\n(.*)/ms;
for (glob('docs/*.md')) {
    $checked++;
    fail("$_ is not in README.md's \"Documents\"") unless ($list // '') =~ /^- `\Q$_\E`/m;
}

# ---- 6. exit codes: README's table, each in `caseflow --help` and the man page ------
my ($codes) = slurp('README.md') =~ /^## Exit codes\n(.*?)\n\n[^|]/ms;
my @codes = ($codes // '') =~ /^\| (\d+) \|/mg;
fail("no exit codes read from README.md") if @codes < 8;
my ($exits) = $help =~ /^(Exit codes:.*)/ms;
my $man = `"$bin" --man`;
for (@codes) {
    $checked += 2;
    fail("exit code $_ (README.md) is not in caseflow --help") unless ($exits // '') =~ /(?:[:;]|\n) +$_ /;
    fail("exit code $_ (README.md) is not in caseflow --man") unless $man =~ /^\.SH EXIT STATUS\n(?:.*[;\n] )?$_ /m;
}
print "$checked checked, $failed failed\n";
exit($failed ? 1 : 0);
