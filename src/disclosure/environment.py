"""Every environment variable the program reads or sets, named once. Imported by whoever reads one
(site.settings, gitinfo, identity, publish); nothing else is here, so any layer may import it.

    DISCLOSURE_AS_OF          the date every computed fact refers to (default: the build date)
    DISCLOSURE_DATA           the data folder, relative to the project (default: data)
    DISCLOSURE_SITE_URL       the public address (mkdocs.yml's site_url wins)
    DISCLOSURE_PRODUCTION     set by the publish hooks and pages jobs: the public site, which needs an address
    DISCLOSURE_BUILD_CACHE    set by the publish hooks: the build cache folder (buildcache.py)
    DISCLOSURE_GZIP_STATIC    set by the publish hooks: the server is deploy/nginx.conf (gzip_static)
    DISCLOSURE_COMMIT         set by the publish hooks: the pushed commit being built (gitinfo.py)
    DISCLOSURE_PUBLISHED      set by the publish hooks: the server's publish days (gitinfo.py)
    DISCLOSURE_ACCOUNT        set by the SSH forced command: the authenticated account (identity.py)
    DISCLOSURE_PROGRAM_ENVS   optional, for server-setup / server-upgrade: one folder of the program's
                              Python environments shared by several servers (publish/program.py)
"""
AS_OF = "DISCLOSURE_AS_OF"
DATA = "DISCLOSURE_DATA"
SITE_URL = "DISCLOSURE_SITE_URL"
PRODUCTION = "DISCLOSURE_PRODUCTION"
BUILD_CACHE = "DISCLOSURE_BUILD_CACHE"
GZIP_STATIC = "DISCLOSURE_GZIP_STATIC"
COMMIT = "DISCLOSURE_COMMIT"
PUBLISHED = "DISCLOSURE_PUBLISHED"
ACCOUNT = "DISCLOSURE_ACCOUNT"
PROGRAM_ENVS = "DISCLOSURE_PROGRAM_ENVS"
