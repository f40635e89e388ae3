import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mcok', '0003_official_accounts_department_head'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='second_factor_exempt',
            field=models.BooleanField(default=False, help_text='Set for the demonstration accounts only: they sign in with the password alone.', verbose_name='no second factor required'),
        ),
        migrations.CreateModel(
            name='AccountEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='when')),
                ('kind', models.CharField(choices=[('second_factor_enabled', 'Second factor set up'), ('second_factor_disabled', 'Second factor switched off'), ('recovery_codes_renewed', 'New recovery codes'), ('recovery_code_used', 'Sign-in with a recovery code'), ('second_factor_reset', 'Second factor reset by an administrator'), ('unlocked', 'Account unlocked by an administrator'), ('new_device', 'Sign-in from a new device')], max_length=30, verbose_name='event')),
                ('address', models.GenericIPAddressField(blank=True, null=True, verbose_name='address')),
                ('user_agent', models.CharField(blank=True, max_length=300, verbose_name='browser')),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='account_events', to=settings.AUTH_USER_MODEL, verbose_name='account')),
            ],
            options={
                'verbose_name': 'account event',
                'verbose_name_plural': 'account events',
                'ordering': ['-at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='KnownDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fingerprint', models.CharField(max_length=64, verbose_name='fingerprint')),
                ('first_seen', models.DateTimeField(auto_now_add=True, verbose_name='first seen')),
                ('last_seen', models.DateTimeField(auto_now=True, verbose_name='last seen')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='known_devices', to=settings.AUTH_USER_MODEL, verbose_name='account')),
            ],
            options={
                'verbose_name': 'known device',
                'verbose_name_plural': 'known devices',
                'constraints': [models.UniqueConstraint(fields=('user', 'fingerprint'), name='known_device_unique')],
            },
        ),
    ]
