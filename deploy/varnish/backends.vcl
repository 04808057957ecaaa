# The app servers and the purgers of one deployment, included by default.vcl: put both files
# in /etc/varnish. One backend per host running `make serve` (gunicorn), each added to the
# director; Varnish takes a host out while its /healthz fails and puts it back when it answers.
import directors;

probe healthz {
    # The Host must be one of DJANGO_ALLOWED_HOSTS, or the site answers 400.
    .request = "GET /healthz HTTP/1.1"
               "Host: news.example.com"
               "Connection: close";
    .interval = 2s;
    .timeout = 1s;
    .window = 3;
    .threshold = 2;
}

backend app1 { .host = "10.0.0.11"; .port = "8000"; .probe = healthz; }
backend app2 { .host = "10.0.0.12"; .port = "8000"; .probe = healthz; }

sub vcl_init {
    new origin = directors.round_robin();
    origin.add_backend(app1);
    origin.add_backend(app2);
}

# Who may purge: every host that saves changes (the app servers; any host running manage.py
# commands). Everyone else's PURGE is refused. Never the address of a front that hands readers'
# requests over in plain HTTP with X-Forwarded-For: their PURGE would come from it.
acl purgers {
    "10.0.0.11";
    "10.0.0.12";
}
