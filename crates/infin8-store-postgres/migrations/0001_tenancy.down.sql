-- Reverses 0001. The `infin8_app` role is cluster-wide and may serve other databases, so it is
-- NOT dropped here; drop it by hand (`DROP ROLE infin8_app`) once no database uses it.
REVOKE EXECUTE ON FUNCTION get_auth_user_org_id() FROM infin8_app;
REVOKE USAGE ON SCHEMA public FROM infin8_app;
DROP FUNCTION IF EXISTS infin8_reject_write_once_change();
DROP FUNCTION IF EXISTS get_auth_user_org_id();
