vcl 4.1;
# Lifescope News behind Varnish (README, "Behind Varnish or a CDN"). The site decides what a
# shared cache may keep, for how long, and what each page shows (lifescope/edge.py): this file
# follows its Cache-Control, files pages under their Surrogate-Key names, and purges by name.

import std;
import xkey;

# The deployment's own part, found in vcl_path (/etc/varnish): the app servers as a director
# named `origin`, and the acl `purgers`. backends.vcl beside this file is an example.
include "backends.vcl";

sub vcl_recv {
    set req.backend_hint = origin.backend();

    # The site purges after each change: PURGE with the retired names in `xkey-purge`.
    # client.ip is whoever connected, or the address a PROXY-protocol front names.
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not an allowed purger"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the keys in xkey-purge"));
        }
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
    }
    # Or BAN with the names in Surrogate-Key (LIFESCOPE_PURGE_URLS "BAN http://…"): bans the
    # objects carrying any of them, as a Varnish without the xkey module would (drop the xkey
    # import and the PURGE branch above there). Names are letters, digits, ":" and "-".
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not an allowed purger"));
        }
        if (req.http.Surrogate-Key !~ "^[a-z0-9:-]+( [a-z0-9:-]+)*$") {
            return (synth(400, "Name the keys in Surrogate-Key"));
        }
        if (std.ban("obj.http.xkey ~ (^|\s)(" + regsuball(req.http.Surrogate-Key, " ", "|") + ")(\s|$)")) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
    }
    # What the TLS front hands over (a listener named tls, e.g. hitch speaking the PROXY
    # protocol: -a tls=127.0.0.1:6086,PROXY) came over https, whatever the header said.
    if (local.socket == "tls") {
        set req.http.X-Forwarded-Proto = "https";
    }
    # Forms, the admin and the view beacon (/v/, counted by the site on every request) always
    # reach the site, cookies and all.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|v)/") {
        return (pass);
    }
    # Parameters that only tell the sharer's analytics where a reader came from (a new fbclid
    # each click): dropped, as the site drops them (PAGE_CACHE["TRACKING_PARAMETERS"]), so a
    # link shared with them is the page everyone gets.
    if (req.url ~ "[?&](utm_[a-z_]+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|twclid|ttclid|_ga|_gl)(=|&|$)") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[a-z_]+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|twclid|ttclid|_ga|_gl)(=[^&]*)?(&|$)", "");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    # Pages of one's own: signed-in readers and staff (sessionid), a reader with comments
    # awaiting moderation (lifescope_comments), a flash message (messages). The site fills in
    # their parts and marks the answer private.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|lifescope_comments|messages)=") {
        return (pass);
    }
    # Any other cookie (csrftoken, a script's) changes nothing on a shared page: dropped, so
    # every anonymous reader shares one object.
    unset req.http.Cookie;

    # A page past its time is served stale while it is fetched again for the origin's
    # stale-while-revalidate (30 s, PAGE_CACHE["STALE_WHILE_REVALIDATE"]); while no app server
    # is healthy, for as long as its stale-if-error allows (beresp.grace below).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 30s;
    }
    # X-Forwarded-For: Varnish itself appends client.ip before this runs, so the site, trusting
    # Varnish's address (LIFESCOPE_TRUSTED_PROXIES), sees the reader. The built-in VCL follows.
}

sub vcl_synth {
    # A purge's answer in a line of text, not the built-in error page.
    if (req.method == "PURGE" || req.method == "BAN") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}

sub vcl_hash {
    # The https page is not the http one (a redirect, for one); the built-in adds URL and host.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    # Only what the site says a shared cache may keep is kept: an answer without Cache-Control
    # (an error page, a redirect, /healthz) is fetched afresh each time, so no purge misses it.
    if (!beresp.http.Cache-Control) {
        call vcl_beresp_hitmiss;
    }
    # s-maxage is the TTL (Varnish reads it itself). The page's names, for xkey.purge.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # stale-if-error: how long a page may still be served while the site cannot answer.
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), 0s);
    }
}

sub vcl_deliver {
    # Whether the cache answered, for people and tests; the names stay inside.
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
