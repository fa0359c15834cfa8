/*
 * xenstored: the tree through the wire protocol. Read, write, mkdir, rm,
 * directory (and DIRECTORY_PART), permissions and ownership, path rules,
 * quotas, relative paths, GET_DOMAIN_PATH; every error with Xen's name.
 * SOURCES: dom0/xenstored/node.c dom0/xenstored/path.c dom0/xenstored/store.c dom0/xenstored/transaction.c dom0/xenstored/watch.c dom0/xenstored/conn.c dom0/xenstored/proto.c dom0/xenstored/server.c dom0/lib/xs_ring.c dom0/lib/xs_client.c dom0/lib/strparse.c
 */
#include "xs_harness.h"

static uint32_t node_count(void)
{
    struct xs_stats st;

    xs_store_stats(h_store, &st);
    return st.nodes;
}

static void test_write_read(void **state)
{
    struct xs_client *c = h_dom0();
    const char *v;
    uint32_t len;

    assert_int_equal(xs_write_str(c, 0, "/a/b", "hello"), 0);
    h_read_is(c, "/a/b", "hello");
    h_read_is(c, "/a", "");                         /* made on the way, empty */
    assert_int_equal(xs_write(c, 0, "/a/bin", "x\0y", 3), 0);
    assert_int_equal(xs_read(c, 0, "/a/bin", &v, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "x\0y", 3);
    assert_int_equal(xs_write_str(c, 0, "/a/b", ""), 0);
    h_read_is(c, "/a/b", "");
    assert_int_equal(xs_read(c, 0, "/a/none", &v, &len), XEN_ENOENT);
    assert_int_equal(xs_read(c, 0, "/nothing/at/all", &v, &len), XEN_ENOENT);
    h_dir_is(c, 0, "/", "a");
    h_dir_is(c, 0, "/a", "b bin");
    h_dir_is(c, 0, "/a/b", "");
}

static void test_mkdir(void **state)
{
    struct xs_client *c = h_dom0();

    assert_int_equal(xs_write_str(c, 0, "/m", "keep"), 0);
    assert_int_equal(xs_mkdir(c, 0, "/m"), 0);      /* exists: fine, untouched */
    h_read_is(c, "/m", "keep");
    assert_int_equal(xs_mkdir(c, 0, "/m/n/o"), 0);
    h_dir_is(c, 0, "/m/n", "o");
    h_read_is(c, "/m/n/o", "");
}

static void test_rm(void **state)
{
    struct xs_client *c = h_dom0();
    uint32_t before = node_count();
    const char *v;
    uint32_t len;

    assert_int_equal(xs_write_str(c, 0, "/r/a/b", "1"), 0);
    assert_int_equal(xs_write_str(c, 0, "/r/a/c", "2"), 0);
    assert_int_equal(xs_write_str(c, 0, "/r/d", "3"), 0);
    assert_int_equal(node_count(), before + 5);
    assert_int_equal(xs_rm(c, 0, "/r/a"), 0);
    assert_int_equal(xs_read(c, 0, "/r/a/b", &v, &len), XEN_ENOENT);
    h_dir_is(c, 0, "/r", "d");
    assert_int_equal(node_count(), before + 2);
    assert_int_equal(xs_rm(c, 0, "/r/a"), 0);       /* gone already, parent exists */
    assert_int_equal(xs_rm(c, 0, "/r/a/b"), XEN_ENOENT);    /* parent gone too */
    assert_int_equal(xs_rm(c, 0, "/"), XEN_EINVAL);
    assert_int_equal(xs_rm(c, 0, "/r"), 0);
    assert_int_equal(node_count(), before);
}

static void test_bad_paths(void **state)
{
    static const char *const bad[] = {
        "", "//", "/a//b", "/a/", "a/", "/a b", "/a\tb", "/a.b", "/a\\b", "/ä",
        "@introduceDomain",             /* special names are for watches only */
    };
    struct xs_client *c = h_dom0();
    char *longp = malloc(XENSTORE_ABS_PATH_MAX + 2);
    const char *v;
    uint32_t len;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(xs_read(c, 0, bad[i], &v, &len), XEN_EINVAL);
        assert_int_equal(xs_write_str(c, 0, bad[i], "x"), XEN_EINVAL);
        assert_int_equal(xs_mkdir(c, 0, bad[i]), XEN_EINVAL);
        assert_int_equal(xs_rm(c, 0, bad[i]), XEN_EINVAL);
    }
    /* Absolute: 3072 bytes at most. */
    memset(longp, 'a', XENSTORE_ABS_PATH_MAX + 1);
    longp[0] = '/';
    longp[XENSTORE_ABS_PATH_MAX + 1] = '\0';
    assert_int_equal(xs_write_str(c, 0, longp, "x"), XEN_EINVAL);
    longp[XENSTORE_ABS_PATH_MAX] = '\0';
    assert_int_equal(xs_write_str(c, 0, longp, "x"), 0);
    h_read_is(c, longp, "x");
    assert_int_equal(xs_rm(c, 0, longp), 0);
    free(longp);
    /* Allowed characters all work. */
    assert_int_equal(xs_write_str(c, 0, "/Az09-_@x", "ok"), 0);
    h_read_is(c, "/Az09-_@x", "ok");
}

/* Unprivileged domains: 2048 bytes below their home (Xen's path-max quota). */
static void test_domu_path_length(void **state)
{
    char *p = malloc(XENSTORE_ABS_PATH_MAX + 1);
    struct xs_client *c5;
    size_t n;

    h_make_home(5);
    c5 = h_domu(5);
    n = (size_t)sprintf(p, "data/");
    memset(p + n, 'b', XENSTORE_REL_PATH_MAX - n + 1);
    p[XENSTORE_REL_PATH_MAX + 1] = '\0';
    assert_int_equal(xs_write_str(c5, 0, p, "x"), XEN_EINVAL);
    p[XENSTORE_REL_PATH_MAX] = '\0';
    assert_int_equal(xs_write_str(c5, 0, p, "x"), 0);
    h_read_is(c5, p, "x");
    /* The absolute spelling counts the same part. */
    memmove(p + 16, p, XENSTORE_REL_PATH_MAX + 1);
    memcpy(p, "/local/domain/5/", 16);
    h_read_is(c5, p, "x");
    free(p);
}

static void test_relative_paths(void **state)
{
    struct xs_client *c5;

    h_make_home(5);
    c5 = h_domu(5);
    assert_int_equal(xs_write_str(c5, 0, "data/x", "rel"), 0);
    h_read_is(h_dom0(), "/local/domain/5/data/x", "rel");
    h_read_is(c5, "data/x", "rel");
    h_read_is(c5, "name", "guest");
    h_dir_is(c5, 0, "data", "x");
    assert_int_equal(xs_write_str(h_dom0(), 0, "dom0-rel", "0"), 0);
    h_read_is(h_dom0(), "/local/domain/0/dom0-rel", "0");
}

static void test_permissions(void **state)
{
    struct xs_client *c5, *c6;
    const char *v;
    uint32_t len;

    h_make_home(5);
    h_make_home(6);
    c5 = h_domu(5);
    c6 = h_domu(6);
    /* Own home readable, dom0's node in it not writable. */
    h_read_is(c5, "/local/domain/5/name", "guest");
    assert_int_equal(xs_write_str(c5, 0, "name", "evil"), XEN_EACCES);
    assert_int_equal(xs_rm(c5, 0, "name"), XEN_EACCES);
    assert_int_equal(xs_write_str(c5, 0, "newnode", "x"), XEN_EACCES);
    /* Nothing outside. */
    assert_int_equal(xs_read(c5, 0, "/local/domain/6/name", &v, &len), XEN_EACCES);
    assert_int_equal(xs_write_str(c5, 0, "/local/domain/6/data/x", "x"), XEN_EACCES);
    assert_int_equal(xs_write_str(c5, 0, "/tool", "x"), XEN_EACCES);
    h_dir_is(h_dom0(), 0, "/", "local");
    /* Missing nodes: ENOENT only where the domain may look. */
    assert_int_equal(xs_read(c5, 0, "data/missing", &v, &len), XEN_ENOENT);
    assert_int_equal(xs_read(c6, 0, "/local/domain/5/data/missing", &v, &len), XEN_EACCES);
    assert_int_equal(xs_read(c5, 0, "/local/domain/9/x", &v, &len), XEN_EACCES);
    /* What a domain creates, it owns. */
    assert_int_equal(xs_write_str(c5, 0, "data/mine/deep", "1"), 0);
    assert_int_equal(xs_get_perms(c5, 0, "data/mine/deep", &v, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "n5", 3);
    /* dom0 can do everything. */
    h_read_is(h_dom0(), "/local/domain/5/data/mine/deep", "1");
    assert_int_equal(xs_write_str(h_dom0(), 0, "/local/domain/5/data/mine/deep", "2"), 0);
    /* Nodes dom0 creates inherit the parent's list unchanged. */
    assert_int_equal(xs_write_str(h_dom0(), 0, "/local/domain/5/ro", "r"), 0);
    assert_int_equal(xs_get_perms(h_dom0(), 0, "/local/domain/5/ro", &v, &len), 0);
    assert_int_equal(len, 6);
    assert_memory_equal(v, "n0\0r5", 6);
}

static void test_set_perms(void **state)
{
    struct xs_client *c5, *c6;
    const char *v;
    uint32_t len;
    const char *share[] = { "n5", "r6" }, *give[] = { "n6" }, *six[] = { "n5", "r1", "r2",
                                                                         "r3", "r4", "r6" };
    static const char *const bad[] = { "x5", "r", "r-1", "r+1", "r5a", "r32752", "b 5", "" };

    h_make_home(5);
    h_make_home(6);
    c5 = h_domu(5);
    c6 = h_domu(6);
    assert_int_equal(xs_write_str(c5, 0, "data/shared", "s"), 0);
    assert_int_equal(xs_read(c6, 0, "/local/domain/5/data/shared", &v, &len), XEN_EACCES);
    assert_int_equal(xs_set_perms(c5, 0, "data/shared", share, 2), 0);
    h_read_is(c6, "/local/domain/5/data/shared", "s");
    assert_int_equal(xs_write_str(c6, 0, "/local/domain/5/data/shared", "t"), XEN_EACCES);
    assert_int_equal(xs_get_perms(c6, 0, "/local/domain/5/data/shared", &v, &len), 0);
    assert_int_equal(len, 6);
    assert_memory_equal(v, "n5\0r6", 6);
    /* Only the owner (or dom0) changes permissions; only dom0 gives nodes away. */
    assert_int_equal(xs_set_perms(c6, 0, "/local/domain/5/data/shared", give, 1), XEN_EACCES);
    assert_int_equal(xs_set_perms(c5, 0, "data/shared", give, 1), XEN_EPERM);
    assert_int_equal(xs_set_perms(c5, 0, "data/nothing", share, 2), XEN_ENOENT);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        const char *one[] = { bad[i] };

        assert_int_equal(xs_set_perms(c5, 0, "data/shared", one, 1), XEN_EINVAL);
    }
    assert_int_equal(xs_set_perms(c5, 0, "data/shared", NULL, 0), XEN_EINVAL);
    /* At most five entries from a domU, any number from dom0. */
    assert_int_equal(xs_set_perms(c5, 0, "data/shared", six, 6), XEN_ENOSPC);
    assert_int_equal(xs_set_perms(c5, 0, "data/shared", six, 5), 0);
    assert_int_equal(xs_set_perms(h_dom0(), 0, "/local/domain/5/data/shared", six, 6), 0);
    assert_int_equal(xs_set_perms(h_dom0(), 0, "/local/domain/5/data/shared", give, 1), 0);
    h_read_is(c6, "/local/domain/5/data/shared", "s");
    assert_int_equal(xs_write_str(c6, 0, "/local/domain/5/data/shared", "mine now"), 0);
    assert_int_equal(xs_read(c5, 0, "data/shared", &v, &len), XEN_EACCES);
}

static void test_node_quota(void **state)
{
    struct xs_client *c5;
    struct xs_quota *q = xs_store_quota(h_store);
    uint32_t before;
    char path[64];
    const char *v;
    uint32_t len;

    h_make_home(5);
    c5 = h_domu(5);
    q->nodes = 11;                      /* data/ is 5's already */
    for (int i = 0; i < 10; i++) {
        snprintf(path, sizeof(path), "data/n%d", i);
        assert_int_equal(xs_write_str(c5, 0, path, "x"), 0);
    }
    assert_int_equal(xs_write_str(c5, 0, "data/one-more", "x"), XEN_ENOSPC);
    /* A write that needs several nodes is refused whole. */
    assert_int_equal(xs_rm(c5, 0, "data/n9"), 0);
    assert_int_equal(xs_rm(c5, 0, "data/n8"), 0);
    before = node_count();
    assert_int_equal(xs_write_str(c5, 0, "data/a/b/c", "x"), XEN_ENOSPC);
    assert_int_equal(node_count(), before);
    assert_int_equal(xs_read(c5, 0, "data/a", &v, &len), XEN_ENOENT);
    assert_int_equal(xs_write_str(c5, 0, "data/a/b", "x"), 0);
    /* dom0 is never limited, even where domU nodes live. */
    for (int i = 0; i < 20; i++) {
        snprintf(path, sizeof(path), "/local/domain/5/data/d%d", i);
        assert_int_equal(xs_write_str(h_dom0(), 0, path, "x"), 0);
    }
}

static void test_node_size_quota(void **state)
{
    struct xs_client *c5;
    char *big = malloc(4000);
    const char *v;
    uint32_t len;

    h_make_home(5);
    c5 = h_domu(5);
    memset(big, 'v', 4000);
    assert_int_equal(xs_write(c5, 0, "data/big", big, 2040), 0);
    assert_int_equal(xs_write(c5, 0, "data/big", big, 2100), XEN_ENOSPC);
    assert_int_equal(xs_write(h_dom0(), 0, "/local/domain/5/data/big", big, 4000), 0);
    assert_int_equal(xs_read(c5, 0, "data/big", &v, &len), 0);
    assert_int_equal(len, 4000);
    assert_memory_equal(v, big, 4000);
    free(big);
}

static void test_domain_path(void **state)
{
    struct xs_client *c = h_dom0();
    uint32_t len;

    assert_int_equal(xs_client_request(c, XS_GET_DOMAIN_PATH, 0, "5", 2, &len), 0);
    assert_string_equal(c->reply_data, "/local/domain/5");
    assert_int_equal(len, strlen("/local/domain/5") + 1);
    assert_int_equal(xs_client_request(c, XS_GET_DOMAIN_PATH, 0, "65535", 6, &len), 0);
    assert_string_equal(c->reply_data, "/local/domain/65535");
    assert_int_equal(xs_client_request(c, XS_GET_DOMAIN_PATH, 0, "65536", 6, &len), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_GET_DOMAIN_PATH, 0, "x", 2, &len), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_GET_DOMAIN_PATH, 0, "-1", 3, &len), XEN_EINVAL);
    assert_int_equal(xs_client_request(c, XS_GET_DOMAIN_PATH, 0, "", 1, &len), XEN_EINVAL);
}

/* A directory too large for one reply: E2BIG, and DIRECTORY_PART pages through it. */
static void test_big_directory(void **state)
{
    struct xs_client *c = h_dom0();
    char path[64], want[8192] = "", got[8192] = "";
    uint32_t len, off = 0;
    const char *names;

    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof(path), "/big/child-with-a-long-name-%03d", i);
        assert_int_equal(xs_mkdir(c, 0, path), 0);
        snprintf(path, sizeof(path), "%schild-with-a-long-name-%03d", i ? " " : "", i);
        strcat(want, path);
    }
    assert_int_equal(xs_directory(c, 0, "/big", &names, &len), XEN_E2BIG);
    for (int parts = 0;; parts++) {
        char req[32];
        int n = snprintf(req, sizeof(req), "/big%c%u", 0, off);
        const char *p;
        bool last = false;

        assert_true(parts < 10);
        assert_int_equal(xs_client_request(c, XS_DIRECTORY_PART, 0, req, (uint32_t)n + 1, &len), 0);
        assert_true(len <= XENSTORE_PAYLOAD_MAX);
        p = c->reply_data + strlen(c->reply_data) + 1;      /* after the generation */
        while (p < c->reply_data + len) {
            if (!*p) {
                last = true;
                break;
            }
            if (*got)
                strcat(got, " ");
            strcat(got, p);
            off += strlen(p) + 1;
            p += strlen(p) + 1;
        }
        if (last)
            break;
    }
    assert_string_equal(got, want);
}

/* Deep trees are made, listed and removed without recursion trouble. */
static void test_deep_tree(void **state)
{
    struct xs_client *c = h_dom0();
    char *path = malloc(XENSTORE_ABS_PATH_MAX + 1);
    uint32_t before = node_count();
    size_t n = 0;

    while (n + 2 <= XENSTORE_ABS_PATH_MAX) {
        path[n++] = '/';
        path[n++] = 'd';
    }
    path[n] = '\0';
    assert_int_equal(xs_write_str(c, 0, path, "bottom"), 0);
    h_read_is(c, path, "bottom");
    assert_int_equal(node_count(), before + n / 2);
    assert_int_equal(xs_rm(c, 0, "/d"), 0);
    assert_int_equal(node_count(), before);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_read, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_mkdir, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_rm, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_domu_path_length, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_permissions, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_set_perms, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_node_quota, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_node_size_quota, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_domain_path, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_big_directory, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_deep_tree, h_setup, h_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
