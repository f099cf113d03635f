-- Every uploader of a photo (docs/hazard.md, Photos). A photo is stored once by its
-- content (photo.sha256); when a second user uploads the same bytes, that user may see and
-- attach it as well, so each uploader is recorded here. photo.uploader_id (the first
-- uploader) stays as it was; the rows it names are copied in.
-- Reserved number 0009 (core; lists 0010, demo/bench 0011).
CREATE TABLE photo_upload (
	sha256     TEXT NOT NULL REFERENCES photo(sha256),
	user_id    BIGINT NOT NULL REFERENCES app_user(id),
	created_ms BIGINT NOT NULL,
	PRIMARY KEY (sha256, user_id)
);
INSERT INTO photo_upload (sha256, user_id, created_ms)
	SELECT sha256, uploader_id, created_ms FROM photo WHERE uploader_id IS NOT NULL;
