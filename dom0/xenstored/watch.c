/*
 * Watches: a client registers (path, token) and receives
 * XS_WATCH_EVENT "path\0token\0" for each change at or below path, once
 * right away (Xen fires every new watch once), and for special names
 * (@introduceDomain, @releaseDomain) when domains come and go. A watch
 * registered with a relative path reports relative paths.
 *
 * An event reaches a client only if it may read the changed node (or its
 * parent, or for a permission change, the node under its old permissions),
 * as in Xen: watching "/" tells a domain nothing it could not read.
 * Special events go to privileged clients only.
 */
#include "xs_internal.h"

int watch_add(struct xs_conn *c, const char *path, const char *token, bool relative)
{
    struct xs_watch *w, **pp = &c->watches;

    for (w = c->watches; w; w = w->next)
        if (!strcmp(w->path, path) && !strcmp(w->token, token))
            return XEN_EEXIST;
    if (!c->privileged && c->nwatches >= c->s->quota.watches)
        return XEN_ENOSPC;
    w = calloc(1, sizeof(*w));
    if (!w)
        return XEN_ENOMEM;
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token) {
        free(w->path);
        free(w->token);
        free(w);
        return XEN_ENOMEM;
    }
    w->prefix_len = relative ? (uint32_t)strlen(c->home) + 1 : 0;
    while (*pp)
        pp = &(*pp)->next;
    *pp = w;
    c->nwatches++;
    c->s->stats.watches++;
    return 0;
}

static void watch_free(struct xs_conn *c, struct xs_watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
    c->nwatches--;
    c->s->stats.watches--;
}

int watch_remove(struct xs_conn *c, const char *path, const char *token)
{
    for (struct xs_watch **pp = &c->watches; *pp; pp = &(*pp)->next) {
        struct xs_watch *w = *pp;

        if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
            *pp = w->next;
            watch_free(c, w);
            return 0;
        }
    }
    return XEN_ENOENT;
}

void watch_remove_all(struct xs_conn *c)
{
    while (c->watches) {
        struct xs_watch *w = c->watches;

        c->watches = w->next;
        watch_free(c, w);
    }
}

/* Is path the watched path or below it? */
static bool path_within(const char *path, const char *watched)
{
    size_t len = strlen(watched);

    if (len == 1 && watched[0] == '/')
        return path[0] == '/';
    return !strncmp(path, watched, len) && (path[len] == '/' || path[len] == '\0');
}

static bool event_visible(const struct xs_conn *c, const struct xs_event *ev)
{
    if (c->privileged)
        return true;
    for (unsigned int i = 0; i < ev->npsets; i++)
        if (perms_access(c, &ev->psets[i]) & XS_PERM_READ)
            return true;
    return false;
}

void watch_fire(struct xs_store *s, const struct xs_event *ev)
{
    for (struct xs_conn *c = s->conns; c; c = c->next) {
        if (!c->watches || !event_visible(c, ev))
            continue;
        for (struct xs_watch *w = c->watches; w; w = w->next) {
            bool hit = ev->exact ? !strcmp(ev->path, w->path) : path_within(ev->path, w->path);

            if (hit)
                conn_send_event(c, ev->path + w->prefix_len, w->token);
        }
    }
}

void watch_fire_special(struct xs_store *s, const char *name)
{
    for (struct xs_conn *c = s->conns; c; c = c->next) {
        if (!c->privileged)
            continue;
        for (struct xs_watch *w = c->watches; w; w = w->next)
            if (!strcmp(w->path, name))
                conn_send_event(c, name, w->token);
    }
}

void event_free(struct xs_event *ev)
{
    for (unsigned int i = 0; i < ev->npsets; i++)
        perms_free(&ev->psets[i]);
    free(ev->path);
    free(ev);
}
