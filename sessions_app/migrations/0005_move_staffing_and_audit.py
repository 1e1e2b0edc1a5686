# FacilitatorAssignment and AuditEntry, moved here from facilitators: state only, the tables
# (facilitators_*) and their rows stay as they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sessions_app', '0004_user_language'),
        ('facilitators', '0002_workspace_profiles_notes_audit'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('actor_name', models.CharField(blank=True, max_length=150)),
                ('action', models.CharField(db_index=True, max_length=60)),
                ('object_type', models.CharField(max_length=60)),
                ('object_id', models.CharField(max_length=40)),
                ('metadata', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'audit entries',
                'db_table': 'facilitators_auditentry',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='audit_object_idx'), models.Index(fields=['actor', 'created_at'], name='audit_actor_idx')],
            },
        ),
        migrations.CreateModel(
            name='FacilitatorAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('lead', 'Lead'), ('co', 'Co-facilitator')], default='co', max_length=4)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='facilitator_assignments', to='sessions_app.supportgroup')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='facilitator_assignments', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'facilitators_facilitatorassignment',
                'constraints': [models.UniqueConstraint(fields=('group', 'user'), name='facilitator_assignment_unique')],
            },
        ),
            ],
        ),
    ]
