# FacilitatorAssignment and AuditEntry moved to sessions_app (the scheduling core), which
# every app may read. Only Django's model state moves: the tables keep their names and rows
# (see the models' db_table and docs/decisions.md).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('facilitators', '0002_workspace_profiles_notes_audit'),
        ('sessions_app', '0005_move_staffing_and_audit'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.RemoveField(
            model_name='facilitatorassignment',
            name='group',
        ),
        migrations.RemoveField(
            model_name='facilitatorassignment',
            name='user',
        ),
        migrations.DeleteModel(
            name='AuditEntry',
        ),
        migrations.DeleteModel(
            name='FacilitatorAssignment',
        ),
            ],
        ),
    ]
